from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crisis", "0003_sms_inbound"),
    ]

    operations = [
        migrations.AddField(
            model_name="recipient",
            name="sms_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="recipient",
            name="email_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
    ]
