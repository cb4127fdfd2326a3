"""Attribution steps as sentences a person can read, in the user's language."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "origin_in_our_block": _("The origin {ip} is in our block {block} ({kind}) at {at}."),
    "dynamic_session": _("Our session log shows {account} held {ip} at that moment (session {session})."),
    "static_block": _("{ip} is statically assigned to {account}."),
    "hosting_block": _("{ip} is an address of our hosting service, account {account}."),
    "infrastructure": _("{ip} is one of our infrastructure addresses."),
    "no_session_at_time": _("No session of ours held {ip} at {at}: no account can be named."),
    "transit_customer": _(
        "{ip} is in {block}, a network of our transit customer {holder}: we only carried it (abuse contact {contact})."
    ),
    "sub_allocated": _(
        "The block is sub-allocated to {holder}, who runs its own network (abuse contact {contact}). No account of ours is blamed."
    ),
    "via_our_mail_server": _("Submitted through our mail server {server} with the login {login}."),
    "mail_account": _("The login {login} is mail account {account}."),
    "login_not_in_inventory": _("The login {login} is not in our inventory."),
    "maillog_confirms": _(
        "Our mail log confirms it: {entries} submission(s), queue id {queue_id}, from {client} at {at}."
    ),
    "maillog_no_match": _("Our mail log shows no matching submission for {login}."),
    "client_connection": _("The client address {ip} was held by connection account {account}."),
    "many_client_addresses": _(
        "The login submitted from {addresses} addresses within minutes: the password is probably stolen."
    ),
    "relay_without_login": _("Our server relayed for {ip} without a login."),
    "pop_before_smtp": _(
        "{login} logged in by {service} from {ip} at {at}, just before the mail: POP before SMTP."
    ),
    "submitted_to_other_isp": _(
        "Our customer at {client} submitted the mail through {relay} with the login {login}."
    ),
    "left_through_other_isp": _("The mail left through another provider's server {relay} (login {login})."),
    "listed_as_exploited": _("{zone} lists the address as exploited: the customer is probably a victim."),
    "bot_helo": _(
        "The sender greeted as “{helo}”, which no real mail server does: probably a hijacked machine."
    ),
    "reporter_burst": _("{reporters} reporters within {minutes} minutes: a bot-like run."),
    "direct_to_foreign_mx": _(
        "Sent straight to the recipient's mail server: the customer runs its own mail server."
    ),
    "hosted_here": _("{host} is hosted on our hosting account {account}."),
    "hosting_address": _("{host} resolves to {ip} in our hosting block, account {account}."),
    "hosting_address_shared": _(
        "{host} resolves to {ip}, a shared hosting address: the account cannot be told from the address alone."
    ),
    "self_hosted_on_connection": _(
        "{host} resolves to {ip} on the static line of {account}: a site on the customer's own server."
    ),
    "received_by_our_mx": _("Our mail server {host} received it: we are the recipient's provider."),
    "not_ours": _("Nothing of ours is involved; the responsible network's contact is {contact}."),
    "nothing_to_go_on": _("No address, login or advertised host to go on."),
    "no_time": _("The report names {ip} but no time: the session log cannot be checked."),
}


def step_sentence(step: dict) -> str:
    template = SENTENCES.get(step.get("code"))
    params = defaultdict(lambda: "?", {k: v for k, v in step.items() if k != "code"})
    if template is None:
        return step.get("code", "?") + " " + ", ".join(f"{k}={v}" for k, v in params.items())
    return str(template).format_map(params)
