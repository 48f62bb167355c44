"""The demo office, taken from the manuals: Groupe FICHORGA, account 2950 MARTIN JACQUES and its neighbours.

Every name, number and label here appears in the source manuals where they
show one (accounts 2950, 1173, 97974, 461; the matter "VENTE MARTIN/JACQUES";
participation invoices 178 to 180; bank accounts 512 CAV and 5421 DCN); the
rest is invented in the same spirit. IBANs are valid, national key included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from liasse_hostapi.records import (
    Account,
    AccountKind,
    DirectoryEntry,
    Event,
    EventParty,
    Matter,
    MatterStatus,
    NewIbanRecord,
    Office,
    OwnerKind,
    OwnerRef,
    Participation,
    ParticipationDirection,
    ParticipationState,
    ProviderOptions,
    Right,
    User,
)
from liasse_hostapi.reference.ledger import LedgerEntry
from liasse_hostapi.reference.letters import PartyRole
from liasse_hostapi.reference.schema import LedgerCategory

PARIS = ZoneInfo("Europe/Paris")

OFFICE = Office(
    code="FICH",
    name="Groupe FICHORGA",
    email="etude@fichorga.fr",
    timezone="Europe/Paris",
    address="12 rue Jeanne d'Arc, 45000 ORLÉANS",
)

USERS = (
    User(
        login="FICH",
        first_name="Jean",
        last_name="FICHORGA",
        email="jean.fichorga@fichorga.fr",
        rights=frozenset(
            {Right.SEE_OTHER_USERS_CONTACTS, Right.MANAGE_PROVIDER_SETTINGS, Right.SEND_REGISTERED_MAIL, Right.VIEW_AUDIT_LOG}
        ),
        options={
            "docsecure": ProviderOptions(
                link_enabled=True, auto_stamp_rib=True, auto_stamp_other=False, see_other_users_contacts=True
            )
        },
    ),
    User(
        login="CLER",
        first_name="Hélène",
        last_name="CLÉMENT",
        email="helene.clement@fichorga.fr",
        rights=frozenset({Right.SEE_OTHER_USERS_CONTACTS, Right.SEND_REGISTERED_MAIL}),
        options={
            "docsecure": ProviderOptions(
                link_enabled=True, auto_stamp_rib=True, auto_stamp_other=True, see_other_users_contacts=True
            )
        },
    ),
    # The accountant: no right to see colleagues' contacts, provider link off.
    User(
        login="COMP",
        first_name="Marc",
        last_name="COMPAGNON",
        email="marc.compagnon@fichorga.fr",
        options={"docsecure": ProviderOptions(link_enabled=False)},
    ),
)

ACCOUNTS = (
    Account(
        number="2950",
        title="MARTIN JACQUES",
        kind=AccountKind.CLIENT,
        email="jacques.martin@free.fr",
        mobile="06 54 55 99 87",
        associated=("461", "97974", "98012"),
        first_name="JACQUES",
        last_name="MARTIN",
        postal_address="8 rue de la République, 45000 ORLÉANS",
    ),
    Account(
        number="1173",
        title="FICHORGA",
        kind=AccountKind.CLIENT,
        legal_entity=True,
        email="contact@fichorga.fr",
        postal_address="1 place du Martroi, 45000 ORLÉANS",
    ),
    # Typed as the manual shows it, "+33" followed by the leading 0 (DS-03 normalises it).
    Account(
        number="97974",
        title="FICHORGA",
        kind=AccountKind.PARTY,
        legal_entity=True,
        email="client@fichorga.fr",
        mobile="+33 0699999999",
    ),
    Account(
        number="461",
        title="Notaires en concours et en participation",
        kind=AccountKind.GENERAL,
        legal_entity=True,
        email="participations@notaires-concours.fr",
        postal_address="Avenue des Champs-Élysées, 75006 PARIS",
    ),
    # "Autre Tiers" in the manual: an organisation with an e-mail and no mobile (DS-04).
    Account(
        number="98012",
        title="AGENCE FONCIA ORLEANS",
        kind=AccountKind.THIRD_PARTY,
        legal_entity=True,
        email="orleans@foncia.fr",
        postal_address="45000 ORLEANS",
    ),
    # No e-mail: every send to her must say which detail is missing.
    Account(
        number="3120",
        title="DUPONT MARIE",
        kind=AccountKind.CLIENT,
        mobile="07 61 22 33 44",
        first_name="MARIE",
        last_name="DUPONT",
        postal_address="5 allée des Tilleuls, 45100 ORLÉANS",
    ),
    # A Belgian mobile: no leading 0 after the country code.
    Account(
        number="3305",
        title="PEETERS LUC",
        kind=AccountKind.CLIENT,
        email="luc.peeters@telenet.be",
        mobile="+32 470 12 34 56",
        first_name="LUC",
        last_name="PEETERS",
        postal_address="Rue Neuve 12, 1000 BRUXELLES",
    ),
    # General accounts of the office's own bank accounts: their RIBs are IBAN records here.
    Account(number="512", title="BANQUE - COMPTE COURANT CAV", kind=AccountKind.GENERAL, legal_entity=True),
    Account(number="5421", title="CAISSE DES DÉPÔTS - DCN", kind=AccountKind.GENERAL, legal_entity=True),
)

MATTERS = (
    Matter(code="2950-01", account_number="2950", title="VENTE MARTIN/JACQUES", status=MatterStatus.ACTIVE),
    Matter(code="2950-02", account_number="2950", title="VENTE 2", status=MatterStatus.PROJECT),
    Matter(code="2950-03", account_number="2950", title="VENTE", status=MatterStatus.ACTIVE),
    Matter(code="2950-04", account_number="2950", title="VENTE 08/09", status=MatterStatus.CLOSED),
    Matter(code="1173-01", account_number="1173", title="CESSION DE PARTS FICHORGA", status=MatterStatus.ACTIVE),
)

#: JZ-02: the parties of the sale, exported to JurisZone with it. The buyer has no e-mail yet:
#: the export names her, and the demo adds her address first.
MATTER_PARTIES = {
    "2950-01": (("2950", "Vendeur"), ("3120", "Acquéreur"), ("98012", "Agence")),
}


def _entry(
    day: str, label: str, category: LedgerCategory, *, debit: str = "0", credit: str = "0", matter: str | None = None
) -> LedgerEntry:
    """A ledger line written the short way: ISO date, amounts as strings."""
    return LedgerEntry(
        entry_date=dt.date.fromisoformat(day),
        label=label,
        category=category,
        debit=Decimal(debit),
        credit=Decimal(credit),
        matter_code=matter,
    )


LEDGER: dict[str, tuple[LedgerEntry, ...]] = {
    "2950": (
        _entry("2008-09-12", "Provision sur frais - VENTE 08/09", LedgerCategory.FUNDS, credit="1500.00", matter="2950-04"),
        _entry("2008-10-02", "Émoluments de l'acte de vente", LedgerCategory.FEES, debit="1100.00", matter="2950-04"),
        _entry("2008-10-02", "TVA 19,6 % sur émoluments", LedgerCategory.VAT, debit="215.60", matter="2950-04"),
        _entry("2008-10-15", "Remboursement du solde", LedgerCategory.FUNDS, debit="184.40", matter="2950-04"),
        _entry(
            "2024-03-15",
            "Virement MARTIN JACQUES - provision sur frais",
            LedgerCategory.FUNDS,
            credit="12000.00",
            matter="2950-01",
        ),
        _entry("2024-04-02", "Émoluments de l'acte de vente", LedgerCategory.FEES, debit="2850.00", matter="2950-01"),
        _entry("2024-04-02", "TVA 20 % sur émoluments", LedgerCategory.VAT, debit="570.00", matter="2950-01"),
        _entry("2024-04-02", "Droits de mutation", LedgerCategory.TAXES, debit="7200.00", matter="2950-01"),
        _entry("2024-04-03", "Débours - état hypothécaire", LedgerCategory.DISBURSEMENTS, debit="45.00", matter="2950-01"),
        _entry(
            "2024-09-16", "Remboursement partiel de provision", LedgerCategory.FUNDS, debit="1000.00", matter="2950-01"
        ),
    ),
    "1173": (
        _entry("2024-05-06", "Provision sur frais - cession de parts", LedgerCategory.FUNDS, credit="3000.00", matter="1173-01"),
        _entry("2024-06-11", "Émoluments de cession de parts", LedgerCategory.FEES, debit="1200.00", matter="1173-01"),
        _entry("2024-06-11", "TVA 20 % sur émoluments", LedgerCategory.VAT, debit="240.00", matter="1173-01"),
    ),
    "461": (
        _entry("2024-03-12", "Participation à recevoir - facture 176", LedgerCategory.FEES, debit="980.00"),
        _entry("2024-03-28", "Règlement participation facture 176", LedgerCategory.FUNDS, credit="980.00"),
        _entry("2024-07-15", "Participation à recevoir - facture 180", LedgerCategory.FEES, debit="1180.00"),
    ),
}


def _participation(
    pid: int,
    direction: ParticipationDirection,
    day: str,
    amount: str,
    label: str,
    number: int | None,
    state: ParticipationState,
) -> Participation:
    """A participation invoice of account 461."""
    return Participation(
        id=pid,
        account_number="461",
        direction=direction,
        entry_date=dt.date.fromisoformat(day),
        amount=Decimal(amount),
        label=label,
        number=number,
        state=state,
    )


_DUE, _TO_RECEIVE = ParticipationDirection.DUE, ParticipationDirection.TO_RECEIVE

#: Invoices 178 to 180 as the manual lists them; 179 is the credit note cancelling 178.
PARTICIPATIONS = (
    _participation(1, _TO_RECEIVE, "2024-03-12", "980.00", "H2 S VENTE MARTIN", 176, ParticipationState.CLOSED),
    _participation(
        2, _TO_RECEIVE, "2024-06-03", "1250.00", "H2 VENTE MARTIN A DURAND", 178, ParticipationState.CANCELLED
    ),
    _participation(
        3,
        _TO_RECEIVE,
        "2024-06-20",
        "-1250.00",
        "ANNUL. FACT. 178 - H2 VENTE MARTIN A DURAND",
        179,
        ParticipationState.CREDIT_NOTE,
    ),
    _participation(4, _TO_RECEIVE, "2024-07-15", "1180.00", "H2 VENTE MARTIN À DURAND", 180, ParticipationState.OPEN),
    _participation(
        5, _DUE, "2024-08-01", "640.00", "PARTICIPATION SUR VENTE MARTIN/FICHORGA", None, ParticipationState.OPEN
    ),
    _participation(6, _TO_RECEIVE, "2024-09-02", "415.50", "H2 SVTE MARTIN", None, ParticipationState.OPEN),
)


@attrs.frozen
class DemoRib:
    """One RIB of an office bank account, with the details printed on its PDF."""

    label: str
    iban: str
    bic: str
    bank: str


@attrs.frozen
class DemoBankAccount:
    """An office bank account and the general account its RIBs are recorded on."""

    code: str
    label: str
    account_number: str
    ribs: tuple[DemoRib, ...]


BANK_ACCOUNTS = (
    DemoBankAccount(
        code="512 CAV",
        label="Compte courant de l'office",
        account_number="512",
        ribs=(
            DemoRib(
                label="CAV - Crédit Agricole Centre Loire",
                iban="FR7614806000727201234567817",
                bic="AGRIFRPP848",
                bank="CAISSE REGIONALE DE CREDIT AGRICOLE CENTRE LOIRE",
            ),
        ),
    ),
    DemoBankAccount(
        code="5421 DCN",
        label="Fonds des clients - Caisse des dépôts",
        account_number="5421",
        ribs=(
            DemoRib(
                label="DCN - compte principal",
                iban="FR7340031000010000287451N82",
                bic="CDCGFRPPXXX",
                bank="CAISSE DES DEPOTS ET CONSIGNATIONS",
            ),
            DemoRib(
                label="DCN - compte séquestre",
                iban="FR5840031000010000287452P46",
                bic="CDCGFRPPXXX",
                bank="CAISSE DES DEPOTS ET CONSIGNATIONS",
            ),
        ),
    ),
)

#: IBAN records of clients and parties, each with its RIB document.
CLIENT_IBANS = (
    NewIbanRecord(
        account_number="97974",
        iban="FR7610278370200002049380103",
        bic="CMCIFR2A",
        holder="FICHORGA",
        bank="CREDIT MUTUEL",
        origin="IBAN transmis via DocSecure",
    ),
    NewIbanRecord(
        account_number="2950",
        iban="FR9220041010121234567X02087",
        bic="PSSTFRPPORL",
        holder="M. JACQUES MARTIN",
        bank="LA BANQUE POSTALE",
        origin="Déposé à l'étude",
    ),
)


@attrs.frozen
class DemoFile:
    """An attachment of the demo: a small PDF standing in for a real document."""

    owner: OwnerRef
    file_name: str
    title: str
    origin: str
    lines: tuple[str, ...]


FILES = (
    DemoFile(
        OwnerRef(OwnerKind.ACCOUNT, "2950"),
        "4061_PROJET_TAXE_VENTE_MARTIN_JACQUES_F.PDF",
        "Projet de Taxe",
        "Ajouté",
        ("Projet de taxe de l'acte de vente MARTIN / JACQUES.", "Émoluments : 2 850,00 EUR HT."),
    ),
    DemoFile(
        OwnerRef(OwnerKind.ACCOUNT, "2950"),
        "3904_Acte de vente MARTIN A DURAND.pdf",
        "Acte de vente MARTIN A DURAND",
        "Ajouté",
        ("Acte authentique de vente entre M. Jacques MARTIN et Mme Sophie DURAND.",),
    ),
    DemoFile(
        OwnerRef(OwnerKind.ACCOUNT, "97974"),
        "32924_Facture.pdf",
        "Facture",
        "Reçu via DocSecure",
        ("Facture FICHORGA n° 2023-118.",),
    ),
    DemoFile(
        OwnerRef(OwnerKind.ACCOUNT, "97974"),
        "32884_Diagnostic.pdf",
        "Diagnostic",
        "Reçu via DocSecure",
        ("Dossier de diagnostic technique du bien vendu.",),
    ),
    DemoFile(
        OwnerRef(OwnerKind.EVENT, "1"),
        "Etat des lieux d'entree.pdf",
        "État des lieux d'entrée",
        "Ajouté",
        ("État des lieux d'entrée du logement, 8 rue de la République, Orléans.",),
    ),
)


def _paris(text: str) -> dt.datetime:
    """An ISO local time at the office, as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


_MANAGER = EventParty(
    role=PartyRole.MANAGER.value,
    name="Jean FICHORGA",
    first_name="Jean",
    last_name="FICHORGA",
    email="jean.fichorga@fichorga.fr",
)
#: Parties that appear on several letters; each letter gives them their role.
_MARTIN = EventParty(
    role="",
    name="Jacques MARTIN",
    account_number="2950",
    first_name="Jacques",
    last_name="MARTIN",
    email="jacques.martin@free.fr",
    mobile="06 54 55 99 87",
    postal_address="8 rue de la République, 45000 ORLÉANS",
)
_DURAND = EventParty(
    role="",
    name="Sophie DURAND",
    first_name="Sophie",
    last_name="DURAND",
    email="sophie.durand@orange.fr",
    mobile="06 11 22 33 44",
    postal_address="27 rue Bannier, 45000 ORLÉANS",
)


@attrs.frozen
class DemoLetter:
    """An event and the text of its letter."""

    event: Event
    body: str


LETTERS = (
    DemoLetter(
        Event(
            id=1,
            template_code="BAIL_HABITATION",
            title="Bail d'habitation - 8 rue de la République, Orléans",
            account_number="2950",
            created_at=_paris("2024-09-10T09:30:00"),
            registered_at=_paris("2024-09-10T10:05:00"),
            parties=(
                attrs.evolve(_MARTIN, role=PartyRole.OWNER.value),
                attrs.evolve(_DURAND, role=PartyRole.TENANT.value),
                EventParty(
                    role=PartyRole.GUARANTOR.value,
                    name="Marc LEFEBVRE",
                    first_name="Marc",
                    last_name="LEFEBVRE",
                    email="marc.lefebvre@gmail.com",
                    postal_address="14 boulevard Alexandre Martin, 45000 ORLÉANS",
                ),
                _MANAGER,
            ),
        ),
        body=(
            "Entre les soussignés, M. Jacques MARTIN, propriétaire, et Mme Sophie DURAND, locataire, "
            "il a été convenu d'un bail d'habitation portant sur le logement situé 8 rue de la République "
            "à Orléans.\n\n"
            "Le bail est consenti pour une durée de trois ans à compter du 1er octobre 2024, moyennant un "
            "loyer mensuel de 780,00 EUR charges comprises, payable d'avance.\n\n"
            "M. Marc LEFEBVRE se porte caution solidaire des obligations de la locataire pour la durée du bail."
        ),
    ),
    DemoLetter(
        Event(
            id=2,
            template_code="COURRIER_NOTAIRE_ACQUEREUR",
            title="Courrier au notaire de l'acquéreur - VENTE MARTIN/JACQUES",
            account_number="2950",
            matter_code="2950-01",
            created_at=_paris("2024-09-12T14:00:00"),
            parties=(
                attrs.evolve(_MARTIN, role=PartyRole.LOT_SELLER.value),
                attrs.evolve(_DURAND, role=PartyRole.LOT_BUYER.value),
                EventParty(
                    role=PartyRole.BUYER_NOTARY.value,
                    name="Maître Claire BERNARD",
                    first_name="Claire",
                    last_name="BERNARD",
                    email="claire.bernard@notaires.fr",
                    postal_address="Office notarial BERNARD, 3 rue Royale, 45000 ORLÉANS",
                ),
                EventParty(
                    role=PartyRole.SELLER_NOTARY.value,
                    name="Jean FICHORGA",
                    first_name="Jean",
                    last_name="FICHORGA",
                    email="jean.fichorga@fichorga.fr",
                ),
                _MANAGER,
            ),
        ),
        body=(
            "Chère Consoeur,\n\n"
            "Dans le dossier de vente MARTIN / DURAND, je vous prie de trouver ci-joint le projet d'acte "
            "pour relecture. La signature pourrait intervenir dans la semaine du 14 octobre 2024.\n\n"
            "Je vous prie de croire, Chère Consoeur, en l'assurance de mes sentiments dévoués."
        ),
    ),
    DemoLetter(
        Event(
            id=3,
            template_code="CONVOCATION_CONSEIL",
            title="Convocation du conseil syndical - Résidence Les Tilleuls",
            account_number="1173",
            created_at=_paris("2024-09-05T11:00:00"),
            registered_at=_paris("2024-09-05T11:20:00"),
            parties=(
                EventParty(
                    role=PartyRole.COUNCIL_PRESIDENT.value,
                    name="Luc PEETERS",
                    account_number="3305",
                    first_name="Luc",
                    last_name="PEETERS",
                    email="luc.peeters@telenet.be",
                    mobile="+32 470 12 34 56",
                    postal_address="Rue Neuve 12, 1000 BRUXELLES",
                ),
                # No e-mail: a registered e-mail to her must be reported as impossible (AR-07).
                EventParty(
                    role=PartyRole.COUNCIL_MEMBER.value,
                    name="Marie DUPONT",
                    account_number="3120",
                    first_name="Marie",
                    last_name="DUPONT",
                    mobile="07 61 22 33 44",
                    postal_address="5 allée des Tilleuls, 45100 ORLÉANS",
                ),
                # No postal address: a paper registered letter to him is impossible (AR-06).
                EventParty(
                    role=PartyRole.COUNCIL_MEMBER.value,
                    name="Paul GIRARD",
                    first_name="Paul",
                    last_name="GIRARD",
                    email="paul.girard@laposte.net",
                ),
                _MANAGER,
            ),
        ),
        body=(
            "Mesdames, Messieurs les membres du conseil syndical,\n\n"
            "Vous êtes convoqués à la réunion du conseil syndical de la Résidence Les Tilleuls qui se tiendra "
            "le 24 septembre 2024 à 18 heures, dans les locaux de l'étude.\n\n"
            "Ordre du jour : examen des comptes de l'exercice, travaux de ravalement, questions diverses."
        ),
    ),
    # ES-12: one lease, two co-tenants and a guarantor, each signing (the e-signature demo story).
    DemoLetter(
        Event(
            id=4,
            template_code="BAIL_COLOCATION",
            title="Bail de colocation - 3 rue Jeanne d'Arc, Orléans",
            account_number="97974",
            created_at=_paris("2024-09-02T10:00:00"),
            parties=(
                EventParty(
                    role=PartyRole.CO_TENANT.value,
                    name="Léa BERNARD",
                    first_name="Léa",
                    last_name="BERNARD",
                    email="lea.bernard@gmail.com",
                    mobile="06 12 34 56 78",
                    postal_address="3 rue Jeanne d'Arc, 45000 ORLÉANS",
                ),
                EventParty(
                    role=PartyRole.CO_TENANT.value,
                    name="Hugo MOREAU",
                    first_name="Hugo",
                    last_name="MOREAU",
                    email="hugo.moreau@outlook.fr",
                    mobile="07 98 76 54 32",
                    postal_address="3 rue Jeanne d'Arc, 45000 ORLÉANS",
                ),
                EventParty(
                    role=PartyRole.GUARANTOR.value,
                    name="Claire BERNARD",
                    first_name="Claire",
                    last_name="BERNARD",
                    email="claire.bernard@wanadoo.fr",
                    mobile="06 55 44 33 22",
                    postal_address="12 rue de Bourgogne, 45000 ORLÉANS",
                ),
                _MANAGER,
            ),
        ),
        body=(
            "Entre les soussignés, la SCI FICHORGA, bailleur, représentée par son gérant, et Mme Léa BERNARD "
            "et M. Hugo MOREAU, colocataires solidaires, il a été convenu d'un bail d'habitation meublé "
            "portant sur le logement situé 3 rue Jeanne d'Arc à Orléans.\n\n"
            "Le bail est consenti pour une durée d'un an à compter du 1er octobre 2024, moyennant un loyer "
            "mensuel de 950,00 EUR charges comprises, payable d'avance. Les colocataires sont tenus "
            "solidairement au paiement du loyer et des charges.\n\n"
            "Mme Claire BERNARD se porte caution solidaire des obligations des colocataires pour la durée du bail.\n\n"
            "Le dépôt de garantie est fixé à un mois de loyer hors charges, soit 900,00 EUR, versé à la "
            "signature du présent bail. Un état des lieux contradictoire est établi à l'entrée et à la sortie "
            "des lieux.\n\n"
            "Article 1 - Désignation. Le logement comprend trois pièces principales, une cuisine équipée, une salle d'eau et un cellier, au deuxième étage d'un immeuble collectif. Il est loué meublé, selon l'inventaire annexé.\n\n"
            "Article 2 - Destination. Les lieux sont loués à usage exclusif d'habitation principale des colocataires. Toute sous-location, même partielle, est interdite sans l'accord écrit du bailleur.\n\n"
            "Article 3 - Charges. Les charges récupérables font l'objet d'une provision mensuelle de 80,00 EUR, régularisée chaque année au vu du décompte des charges de l'immeuble.\n\n"
            "Article 4 - Révision du loyer. Le loyer est révisé chaque année à la date anniversaire du bail selon la variation de l'indice de référence des loyers publié par l'INSEE.\n\n"
            "Article 5 - Assurance. Les colocataires justifient chaque année d'une assurance couvrant les risques locatifs et en remettent l'attestation au bailleur.\n\n"
            "Article 6 - Entretien. Les colocataires prennent à leur charge l'entretien courant du logement et les menues réparations, ainsi que l'ensemble des réparations locatives définies par décret.\n\n"
            "Article 7 - Congé. Chaque colocataire peut donner congé à tout moment avec un préavis d'un mois ; la solidarité du colocataire sortant cesse dans les conditions prévues par la loi.\n\n"
            "Article 8 - Clause résolutoire. À défaut de paiement du loyer ou des charges, ou de justification de l'assurance, le bail sera résilié de plein droit deux mois après un commandement resté infructueux.\n\n"
            "Article 9 - Diagnostics. Sont annexés au présent bail le diagnostic de performance énergétique, le constat de risque d'exposition au plomb, l'état des risques et les diagnostics électricité et gaz.\n\n"
            "Article 10 - Élection de domicile. Pour l'exécution des présentes, le bailleur fait élection de domicile en l'étude de son mandataire, les colocataires dans les lieux loués.\n\n"
            "Fait à Orléans, en autant d'exemplaires que de parties."
        ),
    ),
)

DIRECTORY = (
    DirectoryEntry(
        source="Authen.tic",
        name="DURAND",
        first_name="Sophie",
        last_name="DURAND",
        email="sophie.durand@orange.fr",
        mobile="06 11 22 33 44",
    ),
    DirectoryEntry(source="Authen.tic", name="DURAND", first_name="Paul", last_name="DURAND", mobile="06 98 76 54 32"),
    DirectoryEntry(
        source="Authen.tic",
        name="BERNARD",
        first_name="Claire",
        last_name="BERNARD",
        email="claire.bernard@notaires.fr",
    ),
    DirectoryEntry(
        source="Authen.tic",
        name="MARTIN",
        first_name="Jacques",
        last_name="MARTIN",
        email="jacques.martin@free.fr",
        mobile="06 54 55 99 87",
        account_number="2950",
    ),
    DirectoryEntry(
        source="Authen.tic",
        name="LÉGER",
        first_name="Hélène",
        last_name="LÉGER",
        email="helene.leger@wanadoo.fr",
    ),
    DirectoryEntry(source="Authen.tic", name="SCI LES TILLEULS", email="gerance@sci-tilleuls.fr"),
    # Neither e-mail nor mobile: the directory never offers it.
    DirectoryEntry(source="Authen.tic", name="LEROY", first_name="Anne", last_name="LEROY"),
)
