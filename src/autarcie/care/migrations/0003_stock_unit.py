from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0002_entry_subject_kind_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="stockentry",
            name="unit",
            field=models.CharField(
                blank=True,
                choices=[
                    ("tablet", "comprimé"),
                    ("capsule", "gélule"),
                    ("ampoule", "ampoule"),
                    ("vial", "flacon"),
                    ("bag", "poche"),
                    ("syringe", "seringue préremplie"),
                    ("pen", "stylo"),
                    ("sachet", "sachet"),
                    ("tube", "tube"),
                    ("ml", "mL"),
                    ("dose", "dose"),
                ],
                max_length=16,
            ),
        ),
    ]
