"""About 160 common hospital drugs with dose, route and frequency, and their codes."""

from __future__ import annotations

from dataclasses import dataclass

# Route codes are HL7 table 0162; labels are French as printed on administration grids.
ROUTES: dict[str, str] = {
    "PO": "Voie orale",
    "IV": "Voie intraveineuse",
    "SC": "Voie sous-cutanée",
    "IM": "Voie intramusculaire",
    "IH": "Inhalation",
    "TD": "Voie transdermique",
}

# Code systems. ATC codes are real WHO codes written by hand (check before relying on them);
# CIP13 and UCD13 codes here are SYNTHETIC (made from the table row, with a valid EAN-13
# check digit) and carry systems of their own so nobody mistakes them for BDPM codes.
ATC_SYSTEM = "http://www.whocc.no/atc"
SYNTHETIC_CIP13_SYSTEM = "https://autarcie.invalid/fhir/CodeSystem/synthetic-cip13"
SYNTHETIC_UCD13_SYSTEM = "https://autarcie.invalid/fhir/CodeSystem/synthetic-ucd13"
SYNTHETIC_CIP13_HL7 = "CIP13-SYNTH"

# label | dose amount | UCUM unit | route | administrations per day | ATC
_TABLE = """
Paracétamol 1 g comprimé|1|g|PO|4|N02BE01
Paracétamol 1 g injectable|1|g|IV|4|N02BE01
Ibuprofène 400 mg comprimé|400|mg|PO|3|M01AE01
Kétoprofène 100 mg injectable|100|mg|IV|2|M01AE03
Néfopam 20 mg injectable|20|mg|IV|4|N02BG06
Tramadol 50 mg gélule|50|mg|PO|3|N02AX02
Morphine 10 mg LP gélule|10|mg|PO|2|N02AA01
Morphine 10 mg/mL injectable|5|mg|SC|4|N02AA01
Oxycodone 5 mg gélule|5|mg|PO|4|N02AA05
Énoxaparine 4000 UI/0,4 mL|4000|[iU]|SC|1|B01AB05
Énoxaparine 6000 UI/0,6 mL|6000|[iU]|SC|2|B01AB05
Tinzaparine 14000 UI/0,7 mL|14000|[iU]|SC|1|B01AB10
Héparine sodique 25000 UI/5 mL|20000|[iU]|IV|1|B01AB01
Fondaparinux 2,5 mg/0,5 mL|2.5|mg|SC|1|B01AX05
Apixaban 5 mg comprimé|5|mg|PO|2|B01AF02
Rivaroxaban 20 mg comprimé|20|mg|PO|1|B01AF01
Warfarine 5 mg comprimé|5|mg|PO|1|B01AA03
Fluindione 20 mg comprimé|20|mg|PO|1|B01AA12
Acétylsalicylate de lysine 75 mg sachet|75|mg|PO|1|B01AC06
Clopidogrel 75 mg comprimé|75|mg|PO|1|B01AC04
Ticagrélor 90 mg comprimé|90|mg|PO|2|B01AC24
Bisoprolol 2,5 mg comprimé|2.5|mg|PO|1|C07AB07
Métoprolol 100 mg comprimé|100|mg|PO|1|C07AB02
Aténolol 50 mg comprimé|50|mg|PO|1|C07AB03
Amlodipine 5 mg gélule|5|mg|PO|1|C08CA01
Ramipril 5 mg comprimé|5|mg|PO|1|C09AA05
Périndopril 5 mg comprimé|5|mg|PO|1|C09AA04
Valsartan 80 mg comprimé|80|mg|PO|1|C09CA03
Irbésartan 150 mg comprimé|150|mg|PO|1|C09CA04
Candésartan 8 mg comprimé|8|mg|PO|1|C09CA06
Furosémide 40 mg comprimé|40|mg|PO|1|C03CA01
Furosémide 20 mg/2 mL injectable|20|mg|IV|2|C03CA01
Hydrochlorothiazide 25 mg comprimé|25|mg|PO|1|C03AA03
Spironolactone 25 mg comprimé|25|mg|PO|1|C03DA01
Amiodarone 200 mg comprimé|200|mg|PO|1|C01BD01
Digoxine 0,25 mg comprimé|0.25|mg|PO|1|C01AA05
Atorvastatine 40 mg comprimé|40|mg|PO|1|C10AA05
Rosuvastatine 10 mg comprimé|10|mg|PO|1|C10AA07
Simvastatine 20 mg comprimé|20|mg|PO|1|C10AA01
Ézétimibe 10 mg comprimé|10|mg|PO|1|C10AX09
Nicardipine 10 mg/10 mL injectable|2|mg/h|IV|1|C08CA04
Urapidil 50 mg/10 mL injectable|10|mg/h|IV|1|C02CA06
Noradrénaline 8 mg/50 mL injectable|0.5|mg/h|IV|1|C01CA03
Adrénaline 1 mg/mL injectable|1|mg|IV|1|C01CA24
Dobutamine 250 mg/20 mL injectable|5|ug/kg/min|IV|1|C01CA07
Metformine 1000 mg comprimé|1000|mg|PO|2|A10BA02
Gliclazide 30 mg LP comprimé|30|mg|PO|1|A10BB09
Sitagliptine 100 mg comprimé|100|mg|PO|1|A10BH01
Insuline glargine 100 UI/mL stylo|20|[iU]|SC|1|A10AE04
Insuline asparte 100 UI/mL stylo|6|[iU]|SC|3|A10AB05
Insuline lispro 100 UI/mL stylo|6|[iU]|SC|3|A10AB04
Lévothyroxine 75 µg comprimé|75|ug|PO|1|H03AA01
Prednisone 20 mg comprimé|20|mg|PO|1|H02AB07
Prednisolone 20 mg comprimé orodispersible|20|mg|PO|1|H02AB06
Méthylprednisolone 40 mg injectable|40|mg|IV|1|H02AB04
Hydrocortisone 100 mg injectable|50|mg|IV|4|H02AB09
Dexaméthasone 4 mg/mL injectable|4|mg|IV|1|H02AB02
Oméprazole 20 mg gélule|20|mg|PO|1|A02BC01
Ésoméprazole 40 mg comprimé|40|mg|PO|1|A02BC05
Ésoméprazole 40 mg injectable|40|mg|IV|1|A02BC05
Pantoprazole 40 mg comprimé|40|mg|PO|1|A02BC02
Lansoprazole 30 mg gélule|30|mg|PO|1|A02BC03
Métoclopramide 10 mg comprimé|10|mg|PO|3|A03FA01
Ondansétron 4 mg/2 mL injectable|4|mg|IV|2|A04AA01
Dompéridone 10 mg comprimé|10|mg|PO|3|A03FA03
Macrogol 4000 10 g sachet|10|g|PO|1|A06AD15
Lactulose 10 g/15 mL sachet|10|g|PO|2|A06AD11
Lopéramide 2 mg gélule|2|mg|PO|2|A07DA03
Phloroglucinol 80 mg lyophilisat|80|mg|PO|3|A03AX12
Amoxicilline 1 g comprimé|1|g|PO|3|J01CA04
Amoxicilline/acide clavulanique 1 g/200 mg injectable|1|g|IV|3|J01CR02
Amoxicilline/acide clavulanique 1 g/125 mg sachet|1|g|PO|3|J01CR02
Ceftriaxone 1 g injectable|1|g|IV|1|J01DD04
Céfotaxime 1 g injectable|1|g|IV|3|J01DD01
Céfazoline 2 g injectable|2|g|IV|3|J01DB04
Pipéracilline/tazobactam 4 g/500 mg injectable|4|g|IV|3|J01CR05
Méropénem 1 g injectable|1|g|IV|3|J01DH02
Gentamicine 80 mg/2 mL injectable|320|mg|IV|1|J01GB03
Amikacine 500 mg injectable|1000|mg|IV|1|J01GB06
Vancomycine 1 g injectable|1|g|IV|2|J01XA01
Métronidazole 500 mg/100 mL injectable|500|mg|IV|3|J01XD01
Ciprofloxacine 500 mg comprimé|500|mg|PO|2|J01MA02
Lévofloxacine 500 mg comprimé|500|mg|PO|1|J01MA12
Ofloxacine 200 mg comprimé|200|mg|PO|2|J01MA01
Clarithromycine 500 mg comprimé|500|mg|PO|2|J01FA09
Azithromycine 250 mg comprimé|250|mg|PO|1|J01FA10
Sulfaméthoxazole/triméthoprime 800 mg/160 mg comprimé|1|{comprime}|PO|2|J01EE01
Doxycycline 100 mg comprimé|100|mg|PO|2|J01AA02
Linézolide 600 mg comprimé|600|mg|PO|2|J01XX08
Fluconazole 200 mg gélule|200|mg|PO|1|J02AC01
Aciclovir 250 mg injectable|500|mg|IV|3|J05AB01
Valaciclovir 500 mg comprimé|500|mg|PO|2|J05AB11
Oseltamivir 75 mg gélule|75|mg|PO|2|J05AH02
Fosfomycine trométamol 3 g sachet|3|g|PO|1|J01XX01
Nitrofurantoïne 50 mg gélule|50|mg|PO|3|J01XE01
Cloxacilline 1 g injectable|2|g|IV|4|J01CF02
Clindamycine 600 mg/4 mL injectable|600|mg|IV|3|J01FF01
Rifampicine 300 mg gélule|600|mg|PO|1|J04AB02
Salbutamol 5 mg/2,5 mL solution pour inhalation|5|mg|IH|4|R03AC02
Ipratropium 0,5 mg/2 mL solution pour inhalation|0.5|mg|IH|3|R03BB01
Budésonide 1 mg/2 mL suspension pour inhalation|1|mg|IH|2|R03BA02
Tiotropium 18 µg gélule pour inhalation|18|ug|IH|1|R03BB04
Fluticasone/salmétérol 250/50 µg poudre pour inhalation|1|{inhalation}|IH|2|R03AK06
Montélukast 10 mg comprimé|10|mg|PO|1|R03DC03
Cétirizine 10 mg comprimé|10|mg|PO|1|R06AE07
Hydroxyzine 25 mg comprimé|25|mg|PO|2|N05BB01
Desloratadine 5 mg comprimé|5|mg|PO|1|R06AX27
Oxazépam 10 mg comprimé|10|mg|PO|3|N05BA04
Alprazolam 0,25 mg comprimé|0.25|mg|PO|2|N05BA12
Bromazépam 6 mg comprimé|3|mg|PO|2|N05BA08
Diazépam 10 mg comprimé|10|mg|PO|1|N05BA01
Lorazépam 1 mg comprimé|1|mg|PO|2|N05BA06
Midazolam 5 mg/mL injectable|2|mg/h|IV|1|N05CD08
Zopiclone 7,5 mg comprimé|7.5|mg|PO|1|N05CF01
Zolpidem 10 mg comprimé|10|mg|PO|1|N05CF02
Halopéridol 5 mg/mL injectable|5|mg|IM|1|N05AD01
Loxapine 50 mg/2 mL injectable|50|mg|IM|1|N05AH01
Olanzapine 10 mg comprimé|10|mg|PO|1|N05AH03
Rispéridone 2 mg comprimé|2|mg|PO|2|N05AX08
Aripiprazole 10 mg comprimé|10|mg|PO|1|N05AX12
Quétiapine 300 mg LP comprimé|300|mg|PO|1|N05AH04
Cyamémazine 25 mg comprimé|25|mg|PO|3|N05AA06
Lithium 400 mg LP comprimé|400|mg|PO|2|N05AN01
Sertraline 50 mg gélule|50|mg|PO|1|N06AB06
Escitalopram 10 mg comprimé|10|mg|PO|1|N06AB10
Paroxétine 20 mg comprimé|20|mg|PO|1|N06AB05
Fluoxétine 20 mg gélule|20|mg|PO|1|N06AB03
Venlafaxine 75 mg LP gélule|75|mg|PO|1|N06AX16
Mirtazapine 15 mg comprimé|15|mg|PO|1|N06AX11
Duloxétine 60 mg gélule|60|mg|PO|1|N06AX21
Lévétiracétam 500 mg comprimé|500|mg|PO|2|N03AX14
Valproate de sodium 500 mg LP comprimé|500|mg|PO|2|N03AG01
Lamotrigine 100 mg comprimé|100|mg|PO|2|N03AX09
Carbamazépine 200 mg LP comprimé|200|mg|PO|2|N03AF01
Gabapentine 300 mg gélule|300|mg|PO|3|N03AX12
Prégabaline 75 mg gélule|75|mg|PO|2|N03AX16
Lévodopa/bensérazide 100 mg/25 mg gélule|1|{gelule}|PO|3|N04BD02
Donépézil 10 mg comprimé|10|mg|PO|1|N06DA02
Mémantine 20 mg comprimé|20|mg|PO|1|N06DX01
Allopurinol 100 mg comprimé|100|mg|PO|1|M04AA01
Colchicine 1 mg comprimé|1|mg|PO|1|M04AC01
Alendronate 70 mg comprimé|70|mg|PO|1|M05BA04
Calcium/cholécalciférol 500 mg/400 UI comprimé|1|{comprime}|PO|2|A12AX
Cholécalciférol 100 000 UI/2 mL solution buvable|100000|[iU]|PO|1|A11CC05
Chlorure de potassium 600 mg LP comprimé|1200|mg|PO|2|A12BA01
Chlorure de potassium 1 g/10 mL injectable|1|g|IV|2|B05XA01
Sulfate de magnésium 1,5 g/10 mL injectable|1.5|g|IV|1|B05XA05
Sulfate ferreux 80 mg LP comprimé|80|mg|PO|1|B03AA07
Acide folique 5 mg comprimé|5|mg|PO|1|B03BB01
Cyanocobalamine 1000 µg/4 mL injectable|1000|ug|IM|1|B03BA01
Époétine alfa 10 000 UI seringue|10000|[iU]|SC|1|B03XA01
Chlorure de sodium 0,9 % 1000 mL perfusion|1000|mL|IV|2|B05BB01
Glucose 5 % 500 mL perfusion|500|mL|IV|2|B05BA03
Ringer lactate 500 mL perfusion|500|mL|IV|2|B05BB01
Albumine humaine 20 % 100 mL perfusion|100|mL|IV|1|B05AA01
Naloxone 0,4 mg/mL injectable|0.4|mg|IV|1|V03AB15
Flumazénil 0,5 mg/5 mL injectable|0.5|mg|IV|1|V03AB25
Tamsulosine 0,4 mg LP gélule|0.4|mg|PO|1|G04CA02
Finastéride 5 mg comprimé|5|mg|PO|1|G04CB01
Oxytocine 5 UI/mL injectable|5|[iU]|IV|1|H01BB02
Phytoménadione 10 mg/mL injectable|10|mg|IV|1|B02BA01
Acide tranexamique 1 g/10 mL injectable|1|g|IV|3|B02AA02
Nicotine 21 mg/24 h dispositif transdermique|21|mg|TD|1|N07BA01
Thiamine 100 mg/2 mL injectable|500|mg|IV|1|A11DA01
"""


@dataclass(frozen=True, slots=True)
class Drug:
    """A drug as prescribed: French label, dose, route, frequency and codes."""

    label: str
    dose: str
    unit: str
    route: str
    per_day: int
    atc: str
    cip13: str  # synthetic
    ucd13: str  # synthetic

    @property
    def frequency_label(self) -> str:
        """The frequency as a French prescription says it."""
        return "1 fois par jour" if self.per_day == 1 else f"{self.per_day} fois par jour"

    @property
    def hl7_timing(self) -> str:
        """HL7 repeat pattern (table 0335) for the frequency."""
        return {1: "QD", 2: "BID", 3: "TID", 4: "QID"}.get(self.per_day, "QD")


def ean13_key(first12: str) -> str:
    """The EAN-13 check digit that CIP13 and UCD13 codes end with."""
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return str((10 - total % 10) % 10)


def _parse() -> tuple[Drug, ...]:
    drugs: list[Drug] = []
    for index, line in enumerate(_TABLE.strip().splitlines()):
        label, dose, unit, route, per_day, atc = line.split("|")
        # 99 after the country prefix keeps these outside the ranges real codes use.
        cip = f"3400999{index:05d}"
        ucd = f"3400899{index:05d}"
        drugs.append(
            Drug(
                label=label,
                dose=dose,
                unit=unit,
                route=route,
                per_day=int(per_day),
                atc=atc,
                cip13=cip + ean13_key(cip),
                ucd13=ucd + ean13_key(ucd),
            )
        )
    return tuple(drugs)


DRUGS: tuple[Drug, ...] = _parse()
