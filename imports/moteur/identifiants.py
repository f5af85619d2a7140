"""Who a line funds, read once for the context (E306 lookups) and the rules of several blocks."""


def identifiants_beneficiaires(ligne) -> set:
    """The beneficiaries a line funds: FINESS géographiques of a structure, RPPS of libéraux."""
    beneficiaires = ligne["beneficiaires"]
    if beneficiaires["commandePour"] == "STRUCTURE":
        return {g for g in beneficiaires["structure"]["FINESSGeo"] if g}
    if beneficiaires["commandePour"] == "LIBERAL":
        return {m["RPPS"] for m in beneficiaires["liberal"] if m["RPPS"]}
    return set()


def chemins_beneficiaires(ligne):
    """(identifiant, chemin) of each beneficiary of a line."""
    b = ligne["beneficiaires"]
    if b["commandePour"] == "STRUCTURE":
        for rang, finess in enumerate(b["structure"]["FINESSGeo"]):
            yield finess, f"beneficiaires.structure.FINESSGeo[{rang}]"
    elif b["commandePour"] == "LIBERAL":
        for rang, medecin in enumerate(b["liberal"]):
            if medecin["RPPS"]:
                yield medecin["RPPS"], f"beneficiaires.liberal[{rang}].RPPS"
