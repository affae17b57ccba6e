"""NCBI Taxonomy ids of common model organisms and of the words papers use for them.

Written by hand from general knowledge of NCBI Taxonomy (public domain), not from any input
document: the scientific and common names of the organisms biomedical abstracts study most,
and the human words PubTator-style annotation grounds to *Homo sapiens* (``patients``,
``women``, ``children``). Matched after :func:`kg.normalize.normalize_text` (plurals fold:
``mice`` is listed because it is irregular, ``rats`` folds to ``rat``).
"""

from __future__ import annotations

__all__ = ["SPECIES"]

_HUMAN = ("9606", "Homo sapiens")
_MOUSE = ("10090", "Mus musculus")
_RAT = ("10116", "Rattus norvegicus")

#: surface text -> (NCBI Taxonomy id, scientific name)
SPECIES: dict[str, tuple[str, str]] = {
    **dict.fromkeys((
        "human", "humans", "Homo sapiens", "H. sapiens", "patient", "patients", "man", "men", "woman", "women",
        "child", "children", "infant", "infants", "person", "persons", "people", "individual", "individuals",
        "boy", "boys", "girl", "girls", "adult", "adults", "participant", "participants", "subject", "subjects",
        "volunteer", "volunteers", "proband", "probands", "newborn", "newborns", "neonate", "neonates",
        "adolescent", "adolescents", "mother", "mothers", "father", "fathers", "family member", "sibling",
        "siblings", "twins", "donor", "donors", "pediatric patients", "outpatients",
        "inpatients", "smokers", "pregnant women",
    ), _HUMAN),
    **dict.fromkeys(("mouse", "mice", "murine", "Mus musculus", "M. musculus"), _MOUSE),
    **dict.fromkeys(("rat", "rats", "Rattus norvegicus", "R. norvegicus", "Wistar rats",
                     "Sprague-Dawley rats", "Sprague Dawley rats"), _RAT),
    **dict.fromkeys(("zebrafish", "Danio rerio", "D. rerio"), ("7955", "Danio rerio")),
    **dict.fromkeys(("Drosophila", "Drosophila melanogaster", "D. melanogaster", "fruit fly", "fruit flies",
                     "flies"), ("7227", "Drosophila melanogaster")),
    **dict.fromkeys(("Caenorhabditis elegans", "C. elegans", "nematode", "worm", "worms"),
                    ("6239", "Caenorhabditis elegans")),
    **dict.fromkeys(("yeast", "Saccharomyces cerevisiae", "S. cerevisiae", "budding yeast"),
                    ("4932", "Saccharomyces cerevisiae")),
    **dict.fromkeys(("Schizosaccharomyces pombe", "S. pombe", "fission yeast"),
                    ("4896", "Schizosaccharomyces pombe")),
    **dict.fromkeys(("Escherichia coli", "E. coli"), ("562", "Escherichia coli")),
    **dict.fromkeys(("Arabidopsis", "Arabidopsis thaliana", "A. thaliana"), ("3702", "Arabidopsis thaliana")),
    **dict.fromkeys(("Xenopus", "Xenopus laevis", "X. laevis", "frog", "frogs"), ("8355", "Xenopus laevis")),
    **dict.fromkeys(("chicken", "chickens", "chick", "Gallus gallus"), ("9031", "Gallus gallus")),
    **dict.fromkeys(("dog", "dogs", "canine", "Canis familiaris", "Canis lupus familiaris"),
                    ("9615", "Canis lupus familiaris")),
    **dict.fromkeys(("cat", "cats", "feline", "Felis catus"), ("9685", "Felis catus")),
    **dict.fromkeys(("pig", "pigs", "swine", "porcine", "piglets", "Sus scrofa"), ("9823", "Sus scrofa")),
    **dict.fromkeys(("cattle", "cow", "cows", "bovine", "Bos taurus"), ("9913", "Bos taurus")),
    **dict.fromkeys(("sheep", "ovine", "Ovis aries"), ("9940", "Ovis aries")),
    **dict.fromkeys(("horse", "horses", "equine", "Equus caballus"), ("9796", "Equus caballus")),
    **dict.fromkeys(("rabbit", "rabbits", "Oryctolagus cuniculus"), ("9986", "Oryctolagus cuniculus")),
    **dict.fromkeys(("guinea pig", "guinea pigs", "Cavia porcellus"), ("10141", "Cavia porcellus")),
    **dict.fromkeys(("hamster", "hamsters", "golden hamster", "Mesocricetus auratus"),
                    ("10036", "Mesocricetus auratus")),
    **dict.fromkeys(("Chinese hamster", "Cricetulus griseus"), ("10029", "Cricetulus griseus")),
    **dict.fromkeys(("rhesus monkey", "rhesus monkeys", "rhesus macaque", "rhesus macaques", "Macaca mulatta"),
                    ("9544", "Macaca mulatta")),
    **dict.fromkeys(("cynomolgus monkey", "cynomolgus monkeys", "Macaca fascicularis"),
                    ("9541", "Macaca fascicularis")),
    **dict.fromkeys(("chimpanzee", "chimpanzees", "Pan troglodytes"), ("9598", "Pan troglodytes")),
    **dict.fromkeys(("HIV", "HIV-1", "human immunodeficiency virus", "human immunodeficiency virus type 1"),
                    ("11676", "Human immunodeficiency virus 1")),
    **dict.fromkeys(("HBV", "hepatitis B virus"), ("10407", "Hepatitis B virus")),
    **dict.fromkeys(("HCV", "hepatitis C virus"), ("11103", "Hepacivirus C")),
    **dict.fromkeys(("SARS-CoV-2", "severe acute respiratory syndrome coronavirus 2"),
                    ("2697049", "Severe acute respiratory syndrome coronavirus 2")),
    **dict.fromkeys(("EBV", "Epstein-Barr virus"), ("10376", "Human gammaherpesvirus 4")),
    **dict.fromkeys(("HPV", "human papillomavirus"), ("10566", "Human papillomavirus")),
    **dict.fromkeys(("influenza A virus",), ("11320", "Influenza A virus")),
    **dict.fromkeys(("Staphylococcus aureus", "S. aureus"), ("1280", "Staphylococcus aureus")),
    **dict.fromkeys(("Pseudomonas aeruginosa", "P. aeruginosa"), ("287", "Pseudomonas aeruginosa")),
    **dict.fromkeys(("Mycobacterium tuberculosis", "M. tuberculosis"), ("1773", "Mycobacterium tuberculosis")),
    **dict.fromkeys(("Plasmodium falciparum", "P. falciparum"), ("5833", "Plasmodium falciparum")),
    **dict.fromkeys(("Candida albicans", "C. albicans"), ("5476", "Candida albicans")),
    **dict.fromkeys(("Helicobacter pylori", "H. pylori"), ("210", "Helicobacter pylori")),
}
