"""Journal entries in words for the auditor: a French phrase for every action, actors by name."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from autarcie.core.journal import Action
from autarcie.core.models import User
from autarcie.core.roles import Role

# Each phrase follows the actor's name ("Mme X, infirmière, <phrase>"). Where it holds
# "{target}", the entry's target (a patient, a unit, a user) goes there; otherwise the
# target, if any, follows in brackets.
ACTION_LABELS: dict[Action, Promise] = {
    Action.INSTANCE_INITIALISED: _("a initialisé l'instance"),
    Action.KEY_CREATED: _("a créé une clé de chiffrement"),
    Action.UNIT_CREATED: _("a créé l'unité {target}"),
    Action.UNIT_CHANGED: _("a modifié l'unité {target}"),
    Action.USER_CREATED: _("a créé le compte de {target}"),
    Action.USER_ROLES_CHANGED: _("a modifié les rôles de {target}"),
    Action.USER_UNITS_CHANGED: _("a modifié les unités de {target}"),
    Action.USER_PASSWORD_CHANGED: _("a changé le mot de passe de {target}"),
    Action.USER_ACTIVATED: _("a activé le compte de {target}"),
    Action.USER_DEACTIVATED: _("a désactivé le compte de {target}"),
    Action.LOGIN_SUCCEEDED: _("s'est connecté·e"),
    Action.LOGIN_FAILED: _("a échoué à se connecter"),
    Action.LOGIN_THROTTLED: _("a été freiné·e après des échecs de connexion"),
    Action.THROTTLE_LIFTED: _("a levé un blocage de connexion"),
    Action.LOGOUT: _("s'est déconnecté·e"),
    Action.SESSION_LOCKED: _("a verrouillé son poste"),
    Action.SESSION_IDLE_EXPIRED: _("a été déconnecté·e pour inactivité"),
    Action.SECOND_FACTOR_FAILED: _("a saisi un second facteur erroné"),
    Action.TOTP_ENROLLED: _("a enrôlé son second facteur"),
    Action.TOTP_RESET: _("a réinitialisé le second facteur de {target}"),
    Action.RECOVERY_CODES_ISSUED: _("a reçu des codes de secours"),
    Action.RECOVERY_CODE_USED: _("a utilisé un code de secours"),
    Action.JOURNAL_EXPORTED: _("a exporté le journal"),
    Action.JOURNAL_VERIFIED: _("a vérifié l'intégrité du journal"),
    Action.DEMO_BUILT: _("a construit l'hôpital de démonstration"),
    Action.TEMPIDS_ALLOCATED: _("a attribué un bloc d'identifiants provisoires"),
    Action.TEMPIDS_RECEIVED: _("a reçu un bloc d'identifiants provisoires"),
    Action.FEED_BATCH_COMMITTED: _("a enregistré un lot de messages des flux"),
    Action.FEED_SENDER_REJECTED: _("a refusé un émetteur de flux inconnu"),
    Action.FEED_CONTROL_ID_REUSED: _(
        "a mis en quarantaine un message HL7 dont l'identifiant (MSH-10) était déjà pris "
        "par un autre contenu"
    ),
    Action.FEED_IMPORTED: _("a importé un fichier de flux"),
    Action.MIRROR_FROZEN: _("a gelé le miroir"),
    Action.MIRROR_UNFROZEN: _("a dégelé le miroir"),
    Action.HELD_APPLIED: _("a appliqué les messages retenus pendant le gel"),
    Action.HELD_DISCARDED: _("a écarté des messages retenus pendant le gel"),
    Action.QUARANTINE_REPROCESSED: _("a retraité un message en quarantaine"),
    Action.QUARANTINE_DISCARDED: _("a écarté des messages en quarantaine"),
    Action.INBOUND_VIEWED: _("a lu le contenu brut d'un message reçu"),
    Action.VERSIONS_PURGED: _("a purgé les anciennes versions du miroir"),
    Action.PATIENT_OPENED: _("a ouvert le dossier de {target}"),
    Action.PATIENTS_LISTED: _("a consulté une liste de patients"),
    Action.BREAK_GLASS: _("a forcé l'accès (bris de glace) au dossier de {target}"),
    Action.LISTENER_STARTED: _("a démarré l'écoute HL7"),
    Action.LISTENER_STOPPED: _("a arrêté l'écoute HL7"),
    Action.CRISIS_DECLARED: _("a déclaré une crise"),
    Action.CRISIS_PHASE_CHANGED: _("a changé la phase de la crise"),
    Action.CRISIS_LOG_WRITTEN: _("a écrit dans la main courante"),
    Action.CRISIS_TASK_CREATED: _("a créé une tâche de crise"),
    Action.CRISIS_TASK_UPDATED: _("a mis à jour une tâche de crise"),
    Action.CRISIS_SITREP_PUBLISHED: _("a publié un point de situation"),
    Action.CRISIS_CLOCK_UPDATED: _("a mis à jour une échéance légale"),
    Action.CRISIS_CLOCK_SUBMITTED: _("a signalé une déclaration légale comme faite"),
    Action.CRISIS_CLOCK_REMINDED: _("a rappelé une échéance légale"),
    Action.CRISIS_EXPORTED: _("a exporté le dossier de crise"),
    Action.CRISIS_CONTACTS_IMPORTED: _("a importé l'annuaire de crise"),
    Action.CRISIS_TEMPLATE_SAVED: _("a enregistré un modèle de message"),
    Action.CRISIS_TEMPLATE_APPROVED: _("a approuvé un modèle de message"),
    Action.CRISIS_ALERT_CREATED: _("a créé une alerte au personnel"),
    Action.CRISIS_ALERT_DISPATCHED: _("a envoyé une alerte au personnel"),
    Action.CRISIS_ALERT_ANSWERED: _("a répondu à une alerte"),
    Action.CRISIS_ALERT_RETRIED: _("a renvoyé une alerte aux destinataires non joints"),
    Action.CRISIS_PLAN_IMPORTED: _("a importé le plan de restauration"),
    Action.CRISIS_PLAN_OVERRIDDEN: _("a modifié une priorité du plan de restauration"),
    Action.CRISIS_ITEM_STAGED: _("a fait avancer un élément du plan de restauration"),
    Action.CRISIS_CREDENTIAL_ROTATED: _("a noté le renouvellement d'un secret"),
    Action.CRISIS_EFFORT_RECORDED: _("a saisi un temps passé sur la crise"),
    Action.CRISIS_SMS_RECEIVED: _("a reçu un SMS"),
    Action.CRISIS_SMS_WEBHOOK_REJECTED: _("a refusé un SMS entrant non authentifié"),
    Action.CRISIS_LESSON_SAVED: _("a enregistré un retour d'expérience"),
    Action.DRILL_SCENARIO_INSTALLED: _("a installé un scénario d'exercice"),
    Action.DRILL_STARTED: _("a lancé un exercice"),
    Action.DRILL_PACE_SHIFTED: _("a changé le rythme d'un exercice"),
    Action.DRILL_OBSERVED: _("a noté une observation d'exercice"),
    Action.DRILL_REPORT_BUILT: _("a produit le rapport d'exercice"),
    Action.KIT_BUILT: _("a construit le kit de {target}"),
    Action.KIT_BUILD_FAILED: _("n'a pas pu construire le kit de {target}"),
    Action.KIT_DOWNLOADED: _("a téléchargé le kit de {target}"),
    Action.KIT_PRINTED: _("a imprimé le kit de {target}"),
    Action.KIT_PRINT_FAILED: _("n'a pas pu imprimer le kit de {target}"),
    Action.KIT_PRUNED: _("a retiré d'anciens kits de {target}"),
    Action.KIT_ARCHIVED: _("a archivé des kits"),
    Action.TOKEN_CREATED: _("a créé un jeton d'accès API"),
    Action.TOKEN_REVOKED: _("a révoqué un jeton d'accès API"),
    Action.TOKEN_REJECTED: _("a présenté un jeton d'accès API refusé"),
    Action.CARE_PATIENT_ADMITTED: _("a admis en mode dégradé {target}"),
    Action.CARE_ENTRY_RECORDED: _("a saisi un soin pour {target}"),
    Action.CARE_ENTRY_CORRECTED: _("a corrigé un soin de {target}"),
    Action.CARE_STOCK_RECORDED: _("a saisi un mouvement de stock"),
    Action.CARE_STOCK_CORRECTED: _("a corrigé un mouvement de stock"),
    Action.CARE_STOCK_THRESHOLD_SET: _("a fixé un seuil de stock"),
    Action.CARE_BEDS_CONFIGURED: _("a configuré les lits"),
    Action.CARE_BEDS_UPDATED: _("a mis à jour les lits disponibles"),
    Action.CARE_BEDS_EXPORTED: _("a exporté les lits disponibles"),
    Action.CARE_DOWNTIME_DEMO: _("a joué une démonstration de mode dégradé"),
    Action.BACKUP_CREATED: _("a créé une sauvegarde"),
    Action.BACKUP_FAILED: _("n'a pas pu créer une sauvegarde"),
    Action.BACKUP_PRUNED: _("a supprimé d'anciennes sauvegardes"),
    Action.BACKUP_RESTORED: _("a restauré une sauvegarde"),
    Action.BACKUP_DRILLED: _("a fait un exercice de restauration"),
    Action.KEY_ROTATED: _("a renouvelé une clé de chiffrement"),
    Action.KEY_ESCROWED: _("a mis une clé sous séquestre"),
    Action.SATELLITE_PAIRING_CREATED: _("a préparé l'appairage d'un satellite"),
    Action.SATELLITE_ENROLLED: _("a enrôlé un satellite"),
    Action.SATELLITE_ENROL_REFUSED: _("a refusé l'enrôlement d'un satellite"),
    Action.SATELLITE_REVOKED: _("a révoqué un satellite"),
    Action.SATELLITE_PULLED: _("a transmis les données à un satellite"),
    Action.SATELLITE_REJECTED: _("a refusé une demande d'un satellite"),
    Action.SATELLITE_SYNCED: _("a synchronisé un satellite"),
    Action.SATELLITE_SYNC_REFUSED: _("a refusé une synchronisation de satellite"),
    Action.SATELLITE_PUSHED: _("a reçu les saisies d'un satellite"),
    Action.SATELLITE_CARE_IMPORTED: _("a importé les soins saisis sur un satellite"),
    Action.SATELLITE_JOURNAL_IMPORTED: _("a importé le journal d'un satellite"),
    Action.RECOVERY_MATCH_PROPOSED: _("a proposé un rapprochement d'identité"),
    Action.RECOVERY_MATCH_CONFIRMED: _("a confirmé un rapprochement d'identité"),
    Action.RECOVERY_MATCH_UNDONE: _("a annulé un rapprochement d'identité"),
    Action.RECOVERY_EXPORTED: _("a exporté les données de reprise"),
    Action.RECOVERY_REPORT_BUILT: _("a produit le rapport de reprise"),
    Action.RECOVERY_IDENTITIES_VIEWED: _("a consulté les identités à rapprocher"),
}

_SYSTEM_COMPONENTS: dict[str, Promise] = {
    "cli": _("ligne de commande"),
    "listener": _("réception HL7"),
    "scheduler": _("planificateur"),
    "test": _("test"),
}


def action_label(code: str) -> str:
    """The phrase for an action code; an unknown code (a newer journal) says so in words."""
    try:
        return str(ACTION_LABELS[Action(code)])
    except (ValueError, KeyError):
        return str(_("a fait une action inconnue de cette version"))


def sentence(code: str, target: str) -> str:
    """The phrase with its target in place, or after it in brackets."""
    phrase = action_label(code)
    if "{target}" in phrase:
        return phrase.replace("{target}", target or str(_("(cible inconnue)")))
    return f"{phrase} ({target})" if target else phrase


def person(user: User | None, actor: str) -> tuple[str, str]:
    """A display name and the roles in words, for a user or a "system:<component>" actor."""
    if user is not None:
        roles = ", ".join(str(Role(r).label).lower() for r in sorted(user.role_set))
        return user.full_name or user.username, roles
    component = actor.partition(":")[2]
    label = _SYSTEM_COMPONENTS.get(component)
    return str(_("Le système")), str(label) if label is not None else component
