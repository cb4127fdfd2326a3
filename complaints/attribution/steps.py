"""Attribution steps as sentences a person can read, in the user's language and time zone.

A step is stored as {"code": ..., params}. A value that was not recorded is simply
absent from the step, so each code lists its sentences from the most to the least
complete and the first whose values are all present is used: a sentence never has
a hole or a "?" in it. Times are stored as UTC ISO text and shown in the zone of
whoever reads them, like every other time on the page.
"""

from __future__ import annotations

from datetime import UTC

from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

TIME_FORMAT = "Y-m-d H:i:s T"
TIME_PARAMS = ("at", "hour")

# Steps that record something seen which is not evidence on its own, and steps that
# are positive evidence of a compromised origin (see compromise.py). Stored steps
# carry the same mark as "weight"; these sets also cover steps stored before it.
SIGNAL_CODES = frozenset(
    {
        "origin_stated",
        "no_origin_hop",
        "helo_missing",
        "helo_own_literal",
        "helo_internal_literal",
        "helo_malformed",
        "helo_bare_name",
        "helo_host_name",
        "relayed_for_outsider",
        "sent_by_web_script",
        "listed_as_exploited_at_another_time",
    }
)
COMPROMISE_CODES = frozenset(
    {
        "listed_as_exploited",
        "helo_random",
        "helo_foreign_literal",
        "helo_claims_receiver",
        "helo_claims_provider",
        "open_relay",
        "reporter_burst",
        "customer_confirmed_compromise",
        "many_client_addresses",
        "bot_helo",
        "script_planted_in_site",
        "script_ran_injected_code",
        "reported_as_infected",
        "sent_malware",
        "phishing_planted_in_site",
        "phishing_through_redirect_on_site",
        "malware_planted_in_site",
        "defacement_planted_in_site",
    }
)

SENTENCES: dict[str, tuple[tuple[tuple[str, ...], object], ...]] = {
    # A case our own telemetry opened (prevention.services.volume), not a report.
    "own_telemetry": (
        (
            ("login", "hour"),
            _("Our own mail log: the login {login} crossed the criteria's volume limits in the hour from {hour}."),
        ),
    ),
    # Where the origin came from.
    "origin_from_field": ((("ip",), _("The report names the origin {ip} in a machine-readable field.")),),
    "origin_walked": (
        (
            ("ip", "server"),
            _(
                "The origin {ip} is the first host outside the chain of Received headers that {server} and the servers after it vouch for."
            ),
        ),
        (("ip",), _("The origin {ip} is the first host outside the chain of trusted Received headers.")),
    ),
    "origin_stated": (
        (
            ("ip",),
            _(
                "The complainant names {ip} in words; no header of the reported message shows it, so it counts as evidence only once a person confirms it."
            ),
        ),
    ),
    "origin_stated_confirmed": (
        (("by", "at"), _("{by} confirmed the stated origin on {at}.")),
        (("at",), _("A member of staff confirmed the stated origin on {at}.")),
        ((), _("A member of staff confirmed the stated origin.")),
    ),
    # Our address space.
    "origin_in_our_block": (
        (("ip", "block", "kind", "at"), _("The origin {ip} is in our block {block} ({kind}) at {at}.")),
        (("ip", "block", "at"), _("The origin {ip} is in our block {block} at {at}.")),
        (("ip", "block", "kind"), _("The origin {ip} is in our block {block} ({kind}).")),
        (
            ("ip", "at"),
            _(
                "The origin {ip} is our address at {at}; no block of our address plan contains it, but our session log does."
            ),
        ),
    ),
    "dynamic_session": (
        (
            ("account", "ip", "session"),
            _("Our session log shows {account} held {ip} at that moment (session {session})."),
        ),
        (("account", "ip"), _("Our session log shows {account} held {ip} at that moment.")),
    ),
    "static_block": ((("ip", "account"), _("{ip} is statically assigned to {account}.")),),
    "hosting_block": (
        (("ip", "account"), _("{ip} is an address of our hosting service, account {account}.")),
    ),
    "infrastructure": ((("ip",), _("{ip} is one of our infrastructure addresses.")),),
    "no_session_at_time": (
        (("ip", "at"), _("No session of ours held {ip} at {at}: no account can be named.")),
        (("ip",), _("No session of ours held {ip} at that moment: no account can be named.")),
    ),
    # A shared IPv4 address (CGN, MAP-E, DS-Lite): only the source port names a subscriber.
    "shared_natlog": (
        (
            ("ip", "port", "ports", "account", "record"),
            _(
                "{ip} is a shared address; our NAT log gave ports {ports} to {account} at that moment, so port {port} was theirs (port block {record})."
            ),
        ),
        (
            ("ip", "port", "account"),
            _("{ip} is a shared address; our NAT log shows port {port} was {account}'s."),
        ),
    ),
    "shared_map_e": (
        (
            ("ip", "port", "psid", "prefix", "account", "session"),
            _(
                "{ip} is a shared MAP-E address; port {port} is in port set {psid}, which belongs to the IPv6 prefix {prefix}, held by {account} at that moment (session {session})."
            ),
        ),
        (
            ("ip", "port", "prefix", "account"),
            _(
                "{ip} is a shared MAP-E address; port {port} maps to {prefix}, held by {account} at that moment."
            ),
        ),
    ),
    "shared_no_port": (
        (
            ("ip", "block"),
            _(
                "Shared address: cannot identify the subscriber. {ip} (in {block}) is shared by many subscribers and the report gives no source port."
            ),
        ),
        (
            ("ip",),
            _(
                "Shared address: cannot identify the subscriber. {ip} is shared and the report gives no source port."
            ),
        ),
    ),
    "shared_no_port_block": (
        (
            ("ip", "port"),
            _(
                "Shared address: cannot identify the subscriber. No NAT log of ours gives port {port} of {ip} to anyone at that moment."
            ),
        ),
    ),
    "shared_port_outside_port_sets": (
        (
            ("ip", "port"),
            _(
                "Shared address: cannot identify the subscriber. Port {port} of {ip} is in no subscriber's MAP-E port set."
            ),
        ),
    ),
    "shared_no_session": (
        (
            ("ip", "port", "prefix"),
            _(
                "Shared address: cannot identify the subscriber. Port {port} of {ip} maps to {prefix}, but no session of ours held that prefix at that moment."
            ),
        ),
    ),
    "shared_natlog_inside_holder": (
        (
            ("ip", "port", "ports", "inside", "allocated", "account", "session"),
            _(
                "{ip} is a shared address; our NAT log gave ports {ports} to inside address {inside} when {allocated} held it, and the NAT kept them after the address passed to {account}, who held it at that moment (session {session}): port {port} was theirs."
            ),
        ),
        (
            ("ip", "port", "inside", "account"),
            _(
                "{ip} is a shared address; port {port} was in the port block of inside address {inside}, which {account} held at that moment."
            ),
        ),
    ),
    "shared_inside_not_held": (
        (
            ("ip", "port", "inside", "allocated"),
            _(
                "Shared address: cannot identify the subscriber. Port {port} of {ip} was in the port block of inside address {inside}, allocated when {allocated} held it, but no session of ours held {inside} at that moment."
            ),
        ),
        (
            ("ip", "port", "inside"),
            _(
                "Shared address: cannot identify the subscriber. Port {port} of {ip} was in the port block of inside address {inside}, but no session of ours held {inside} at that moment."
            ),
        ),
    ),
    "shared_nested_sessions": (
        (
            ("ip", "port", "inside"),
            _(
                "Shared address: cannot identify the subscriber. Port {port} of {ip} was in the port block of inside address {inside}, which sessions of two accounts on nested ranges (a prefix and a range inside it) held at that moment."
            ),
        ),
        (
            ("ip", "port", "prefix"),
            _(
                "Shared address: cannot identify the subscriber. Port {port} of {ip} maps to {prefix}, which sessions of two accounts on nested ranges (a prefix and a range inside it) held at that moment."
            ),
        ),
        (
            ("ip", "port"),
            _(
                "Shared address: cannot identify the subscriber. Sessions of two accounts on nested ranges (a prefix and a range inside it) held what port {port} of {ip} leads to at that moment."
            ),
        ),
    ),
    "shared_sessions_in_prefix": (
        (
            ("ip", "port", "prefix"),
            _(
                "Shared address: cannot identify the subscriber. Port {port} of {ip} maps to {prefix}; no session of ours held that whole prefix at that moment, and the sessions on parts of it were several accounts'."
            ),
        ),
    ),
    "shared_at_a_handover": (
        (
            ("ip", "port", "at", "seconds"),
            _(
                "Port {port} of the shared address {ip} changed hands within {seconds} seconds of the spam's time ({at}): the receiver's clock and our logs' may each be off by that much, so either holder may have sent it: nobody is named."
            ),
        ),
        (
            ("ip", "port"),
            _(
                "Port {port} of the shared address {ip} changed hands close to the spam's time: either holder may have sent it: nobody is named."
            ),
        ),
    ),
    "nested_sessions": (
        (
            ("ip", "at"),
            _(
                "{ip} was held at {at} by sessions of two accounts on nested ranges (a prefix and a range inside it): our session log does not tell which of them used it, so nobody is named."
            ),
        ),
        (
            ("ip",),
            _(
                "{ip} was held at that moment by sessions of two accounts on nested ranges (a prefix and a range inside it): our session log does not tell which of them used it, so nobody is named."
            ),
        ),
    ),
    "transit_customer": (
        (
            ("ip", "block", "holder", "contact"),
            _(
                "{ip} is in {block}, a network of our transit customer {holder}: we only carried it (abuse contact {contact})."
            ),
        ),
        (
            ("ip", "block", "holder"),
            _(
                "{ip} is in {block}, a network of our transit customer {holder}: we only carried it (no abuse contact is recorded)."
            ),
        ),
    ),
    "sub_allocated": (
        (
            ("holder", "contact"),
            _(
                "The block is sub-allocated to {holder}, who runs its own network (abuse contact {contact}). No account of ours is blamed."
            ),
        ),
        (
            ("holder",),
            _(
                "The block is sub-allocated to {holder}, who runs its own network (no abuse contact is recorded). No account of ours is blamed."
            ),
        ),
    ),
    # The inventory dates its present holders: one that took over after the spam is not named.
    "block_holder_changed_after_spam": (
        (
            ("ip", "block", "holder", "at"),
            _(
                "{ip} is in {block}, assigned to {holder} only since {at}, after the spam: who held it then is not recorded, so nobody is named."
            ),
        ),
        (
            ("block", "holder", "at"),
            _(
                "{block} is assigned to {holder} only since {at}, after the spam: who held it then is not recorded, so nobody is named."
            ),
        ),
        (
            ("block", "at"),
            _(
                "{block} changed hands at {at}, after the spam: who held it then is not recorded, so nobody is named."
            ),
        ),
        (
            (),
            _(
                "The block changed hands after the spam: who held it then is not recorded, so nobody is named."
            ),
        ),
    ),
    "account_holder_changed_after_spam": (
        (
            ("account", "at"),
            _(
                "{account} passed to its present subscriber at {at}, after the spam: whose it was then is not recorded, so neither the account nor a subscriber is named."
            ),
        ),
        (
            ("account",),
            _(
                "{account} passed to its present subscriber after the spam: whose it was then is not recorded, so neither the account nor a subscriber is named."
            ),
        ),
    ),
    # Method 1: our own mail server.
    "chain_ends_inside_our_network": (
        (
            ("server", "client"),
            _("The Received chain ends inside our network: our server {server} took the mail from {client}, "
              "an internal address."),
        ),
        (("server",), _("The Received chain ends inside our network, at our server {server}.")),
    ),
    "via_our_mail_server": (
        (("server", "login"), _("Submitted through our mail server {server} with the login {login}.")),
        (("login",), _("Submitted through our mail server with the login {login}.")),
        (("server",), _("Submitted through our mail server {server}; no login was recorded.")),
        ((), _("Submitted through our mail server; no login was recorded.")),
    ),
    "mail_account": ((("login", "account"), _("The login {login} is mail account {account}.")),),
    "login_not_in_inventory": ((("login",), _("The login {login} is not in our inventory.")),),
    "maillog_confirms": (
        (
            ("entries", "queue_id", "client", "at"),
            _(
                "Our mail log confirms it: {entries} submission(s), queue id {queue_id}, from {client} at {at}."
            ),
        ),
        (
            ("entries", "client", "at"),
            _("Our mail log confirms it: {entries} submission(s) from {client} at {at}."),
        ),
        (("entries", "at"), _("Our mail log confirms it: {entries} submission(s) at {at}.")),
    ),
    "relayed_for_our_customer": (
        (
            ("ip", "server"),
            _("Our server {server} took the mail from our customer's address {ip} without a login and sent it on."),
        ),
        (("ip",), _("Our mail server took the mail from our customer's address {ip} without a login and sent it on.")),
    ),
    "holder_needs_a_trusted_time": (
        (
            ("ip", "at"),
            _(
                "{ip} is one of our dynamic addresses, but the only time for the spam ({at}) is the "
                "Date the sender wrote, and more than one holder is possible around it: nobody is named."
            ),
        ),
    ),
    "phishing_planted_in_site": (
        (
            ("url",),
            _(
                "The phishing page {url} sits in a folder a site's owner does not write pages to "
                "(uploads, a cache, a hidden folder): the site was compromised."
            ),
        ),
    ),
    "malware_planted_in_site": (
        (
            ("url",),
            _(
                "The malware file {url} lies where a site keeps uploads, caches, temporary files or its CMS's "
                "own code, or in a hidden folder: a third party put it there, and the site was compromised."
            ),
        ),
    ),
    "defacement_planted_in_site": (
        (
            ("url",),
            _(
                "The defacer's page {url} lies where a site keeps uploads, caches, temporary files or its CMS's "
                "own code, or in a hidden folder: a third party put it there, and the site was compromised."
            ),
        ),
    ),
    "sent_malware": (
        (
            ("ip",),
            _(
                "The reported message carried malware and went from {ip} straight to the receiver: a worm "
                "on an infected machine sends such mail, not its holder."
            ),
        ),
    ),
    "reported_as_infected": (
        (
            ("ip",),
            _(
                "The report says malware acted from {ip} (an infected machine or a bot): the machine "
                "is not under its holder's control."
            ),
        ),
    ),
    "not_mail_abuse": (
        (
            ("ip", "category"),
            _(
                "The report is about {category} from {ip}, not about mail: no sending method, and the "
                "criteria's rules for spam do not apply; a person decides."
            ),
        ),
    ),
    "web_script_sites_disagree": (
        (
            ("sites",),
            _(
                "The mail carries web-script stamps naming different sites ({sites}): a script on "
                "the shared server wrote one of them, so no site's account is named."
            ),
        ),
    ),
    "holder_needs_a_zone": (
        (
            ("ip", "at"),
            _(
                "{ip} is one of our dynamic addresses, but the time for the spam names no zone ({at} "
                "if it was UTC; up to 14 hours either way), and more than one holder is possible "
                "in that span: nobody is named."
            ),
        ),
    ),
    "holder_needs_agreeing_clocks": (
        (
            ("ip", "at"),
            _(
                "{ip} is one of our dynamic addresses, but the receiver's own Received lines disagree "
                "about the time of the spam ({at}): one of its clocks is wrong, and more than one "
                "holder is possible in that span: nobody is named."
            ),
        ),
    ),
    "registry_says_ours": (
        (
            ("ip", "contact"),
            _(
                "{ip} is in no block of our address plan, but the registry's record for its network "
                "names our own abuse contact ({contact}): it is our address, missing from the plan. "
                "Nobody can be named until the plan says who holds it; the report is not forwarded "
                "back to ourselves."
            ),
        ),
    ),
    "holder_at_a_handover": (
        (
            ("ip", "at", "seconds"),
            _(
                "{ip} is one of our dynamic addresses and changed hands within {seconds} seconds of "
                "the spam's time ({at}): the receiver's clock and our session log's may each be off "
                "by that much, so either holder may have sent it: nobody is named."
            ),
        ),
    ),
    "holder_needs_an_exact_time": (
        (
            ("ip", "at"),
            _(
                "{ip} is one of our dynamic addresses, but the complaint gives only a rough time for "
                "the spam ({at}, give or take an hour), and more than one holder is possible in that "
                "span: nobody is named."
            ),
        ),
    ),
    "maillog_ambiguous": (
        (
            ("client", "logins"),
            _(
                "Our mail log shows {logins} different logins submitting from {client} around that time, "
                "and nothing in the message picks one: none is named."
            ),
        ),
        (("logins",), _("Our mail log shows {logins} different logins around that time: none is named.")),
        ((), _("Our mail log shows several different logins around that time: none is named.")),
    ),
    "maillog_names_another_login": (
        (
            ("written", "login"),
            _(
                "The mail names the login as {written}, but our mail server's log of that very "
                "submission (its queue ID) names {login}: our server's own record wins over a "
                "line in the mail."
            ),
        ),
        (("login",), _("Our mail server's log of that very submission (its queue ID) names {login}.")),
    ),
    "login_from_maillog": (
        (
            ("written", "login"),
            _(
                "The mail names the login as {written}, which is no mail account of ours; our mail "
                "server's log of that very submission (its queue ID) names {login}."
            ),
        ),
        (("login",), _("Our mail server's log of that very submission (its queue ID) names {login}.")),
        ((), _("Our mail server's log of that very submission (its queue ID) names the login.")),
    ),
    "maillog_no_match": (
        (("login",), _("Our mail log shows no matching submission for {login}.")),
        ((), _("Our mail log shows no matching submission, and no login was recorded.")),
    ),
    "client_connection": (
        (("ip", "account"), _("The client address {ip} was held by connection account {account}.")),
    ),
    "many_client_addresses": (
        (
            ("addresses",),
            _(
                "The login submitted from {addresses} addresses within minutes: the password is probably stolen."
            ),
        ),
    ),
    "login_from_new_network": (
        (
            ("ip",),
            _(
                "The login was used from {ip}, outside our networks and in a network it had not used in the "
                "month before: a stolen password, a trip or another carrier; a person should check."
            ),
        ),
    ),
    "ports_in_one_allocation": (
        (
            ("ip", "port"),
            _(
                "The report gives {ip} with source ports that disagree, but all of them lie in one "
                "subscriber's allocation: port {port} is read for it."
            ),
        ),
    ),
    "relay_without_login": ((("ip",), _("Our server relayed for {ip} without a login.")),),
    "forwarded_for_our_mailbox": (
        (
            ("server", "ip", "domain"),
            _("{server} received the mail from {ip} for a mailbox at {domain} and forwarded it: a forward, not a relay."),
        ),
        (("ip",), _("Our server received the mail from {ip} for one of our mailboxes and forwarded it.")),
    ),
    # A web script on a hosting server (PHP's and cPanel's headers).
    "sent_by_web_script": (
        (
            ("script", "site", "account"),
            _("A web script, {script}, on the site {site} (hosting account {account}) handed over the mail."),
        ),
        (("site", "account"), _("A web script on the site {site} (hosting account {account}) handed over the mail.")),
        (("script", "site"), _("A web script, {script}, on the site {site} handed over the mail.")),
        (("script",), _("A web script, {script}, handed over the mail; no site of ours is named.")),
        (("site",), _("A web script on the site {site} handed over the mail.")),
    ),
    "advertised_site_of_another_customer": (
        (
            ("host", "site_account"),
            _(
                "The spam advertises {host}, a site we host for another customer ({site_account}): a matter of "
                "its own with that customer, not evidence about the sender."
            ),
        ),
    ),
    "client_line_of_another_customer": (
        (
            ("ip", "line"),
            _(
                "The mail account's holder sent it from {ip}, the line of another customer ({line}): that "
                "line's holder is not named for it."
            ),
        ),
    ),
    "impersonated_site": (
        (
            ("host", "sender"),
            _(
                "The phishing mail claims to come from {sender} and links {host}, a site we host, to look genuine, "
                "while it sends readers elsewhere: the site is impersonated, not promoted, and nobody is named for it."
            ),
        ),
        (
            ("host",),
            _(
                "The phishing mail links {host}, a site we host, to look genuine while it sends readers elsewhere: "
                "the site is impersonated, not promoted, and nobody is named for it."
            ),
        ),
    ),
    "phishing_through_redirect_on_site": (
        (
            ("url",),
            _(
                "The phishing link {url} goes through a redirect on a site we host to another address: "
                "the site is misused (the path is disabled), its owner is not the fraud's sender."
            ),
        ),
    ),
    "field_disagrees_with_copy": (
        (
            ("ip", "chain"),
            _(
                "The report's source field names {ip}, but its own copy of the message came from {chain}: "
                "the report is not counted as evidence against the field's holder; a person compares them."
            ),
        ),
    ),
    "script_ran_injected_code": (
        (
            ("script",),
            _(
                "The mail was sent by code a web script built at run time ({script}): the mark of code "
                "injected into a site, not of its owner's own scripts."
            ),
        ),
    ),
    "script_planted_in_site": (
        (
            ("script",),
            _("The script {script} lies where a site keeps uploads or temporary files: the site was compromised."),
        ),
    ),
    "pop_before_smtp": (
        (
            ("login", "service", "ip", "at"),
            _("{login} logged in by {service} from {ip} at {at}, just before the mail: POP before SMTP."),
        ),
        (
            ("login", "ip", "at"),
            _("{login} logged in from {ip} at {at}, just before the mail: POP before SMTP."),
        ),
    ),
    "pop_before_smtp_ambiguous": (
        (
            ("logins", "ip"),
            _(
                "{logins} different mailboxes logged in from {ip} just before the mail. POP before SMTP "
                "lets an address relay, not a mailbox, so none of them is named."
            ),
        ),
    ),
    # Method 4: another provider's server.
    "submitted_to_other_isp": (
        (
            ("client", "relay", "login"),
            _("Our customer at {client} submitted the mail through {relay} with the login {login}."),
        ),
        (
            ("client", "relay"),
            _(
                "Our customer at {client} submitted the mail through {relay} after authenticating (SMTP AUTH or POP before SMTP); no login was recorded."
            ),
        ),
    ),
    "left_through_other_isp": (
        (("relay", "login"), _("The mail left through another provider's server {relay} (login {login}).")),
        (
            ("relay",),
            _(
                "The mail left through another provider's server {relay} after authenticating there; no login was recorded."
            ),
        ),
    ),
    # Method 3: evidence of a compromised machine.
    "listed_as_exploited": (
        (
            ("zone", "at"),
            _(
                "{zone} listed the address as exploited on {at}, while the same customer held it: the customer is probably a victim."
            ),
        ),
        (("zone",), _("{zone} lists the address as exploited: the customer is probably a victim.")),
    ),
    "helo_random": (
        (
            ("helo",),
            _(
                "The sender greeted as “{helo}”, random letters that no person names a machine: software on a hijacked machine."
            ),
        ),
    ),
    "helo_foreign_literal": (
        (
            ("helo",),
            _(
                "The sender greeted with the address {helo}, which is not its own: ratware or an open proxy speaking for another machine."
            ),
        ),
    ),
    "helo_claims_receiver": (
        (
            ("helo", "receiver"),
            _(
                "The sender greeted as “{helo}”, claiming to be the receiving side ({receiver}): a trick of spam software on hijacked machines."
            ),
        ),
        (
            ("helo",),
            _(
                "The sender greeted as “{helo}”, claiming to be the receiving side: a trick of spam software on hijacked machines."
            ),
        ),
    ),
    "helo_claims_provider": (
        (
            ("helo",),
            _(
                "The sender greeted as “{helo}”, a large mail provider, from our customer's line: spam software pretending to be somebody else."
            ),
        ),
    ),
    "open_relay": (
        (
            ("client", "recipient"),
            _(
                "The origin host took the mail from {client}, an outside address, without a login, for a recipient at {recipient}, which is not its own domain: an open relay."
            ),
        ),
    ),
    "reporter_burst": (
        (("reporters", "minutes"), _("{reporters} reporters within {minutes} minutes: a bot-like run.")),
    ),
    "customer_confirmed_compromise": (
        (("by", "at"), _("The customer confirmed the machine was compromised (recorded by {by} on {at}).")),
        (("at",), _("The customer confirmed the machine was compromised (recorded on {at}).")),
        ((), _("The customer confirmed the machine was compromised.")),
    ),
    "bot_helo": (
        (
            ("helo",),
            _("The sender greeted as “{helo}”, which no real mail server does: probably a hijacked machine."),
        ),
        ((), _("The sender gave no greeting, which no real mail server does: probably a hijacked machine.")),
    ),
    # Signals: seen, recorded, and not evidence of anything.
    "helo_missing": (
        ((), _("The receiving server recorded no greeting from the sender. That alone shows nothing.")),
    ),
    "helo_own_literal": (
        (("helo",), _("The sender greeted with its own address {helo}. That alone shows nothing.")),
    ),
    "helo_internal_literal": (
        (
            ("helo",),
            _(
                "The sender greeted with the private address {helo}: a machine behind a home or office router. That alone shows nothing."
            ),
        ),
    ),
    "helo_malformed": (
        (
            ("helo",),
            _("The sender greeted as “{helo}”, which is not a valid host name. That alone shows nothing."),
        ),
    ),
    "helo_bare_name": (
        (("helo",), _("The sender greeted as “{helo}”, a machine's plain name. That alone shows nothing.")),
    ),
    "helo_host_name": (
        (("helo",), _("The sender greeted as “{helo}”, a host name. That alone shows nothing.")),
    ),
    "no_origin_hop": (
        (
            ("ip",),
            _("The report has no Received header from {ip}, so it shows nothing of how the mail was sent."),
        ),
        (
            (),
            _(
                "The report has no Received header from the origin, so it shows nothing of how the mail was sent."
            ),
        ),
    ),
    "relayed_for_outsider": (
        (
            ("client",),
            _(
                "The origin host passed on mail it took from {client}, an outside address, without a login. An open relay does that, and so do a forwarder and a mailing list: a person should test it."
            ),
        ),
    ),
    "listed_as_exploited_at_another_time": (
        (
            ("zone", "at"),
            _(
                "{zone} listed the address as exploited on {at}, too far from the spam or while somebody else held it. That alone shows nothing."
            ),
        ),
        (("zone",), _("{zone} listed the address as exploited at another time. That alone shows nothing.")),
    ),
    # The mainstream method.
    "direct_to_foreign_mx": (
        ((), _("Sent straight to the recipient's mail server: the customer runs its own mail server.")),
    ),
    "self_operated_by_default": (
        (
            (),
            _(
                "Nothing shows another way of sending, so the mail is taken as sent by the customer's own mail server, the most common way."
            ),
        ),
    ),
    # Hosting.
    "hosted_here": ((("host", "account"), _("{host} is hosted on our hosting account {account}.")),),
    "hosting_address": (
        (("host", "ip", "account"), _("{host} resolves to {ip} in our hosting block, account {account}.")),
    ),
    "hosting_address_shared": (
        (
            ("host", "ip"),
            _(
                "{host} resolves to {ip}, a shared hosting address: the account cannot be told from the address alone."
            ),
        ),
    ),
    "self_hosted_on_connection": (
        (
            ("host", "ip", "account"),
            _(
                "{host} resolves to {ip} on the static line of {account}: a site on the customer's own server."
            ),
        ),
    ),
    "self_hosted_on_dynamic_line": (
        (
            ("host", "ip", "at", "account"),
            _(
                "{host} resolved to {ip} at {at}, an address of our pool that {account} held then: "
                "a site on the customer's own connection."
            ),
        ),
    ),
    # The address a notice about hosted content gives for the site (parsing.content).
    "site_address_not_origin": (
        (
            ("ip",),
            _(
                "The notice is about content at a URL: {ip} is the address of the server it was on, "
                "not where a mail came from."
            ),
        ),
    ),
    "site_address_in_hosting": (
        (
            ("host", "ip", "account"),
            _("The notice gives {ip} as the address of {host}: in our hosting block, account {account}."),
        ),
    ),
    "site_address_in_shared_hosting": (
        (
            ("host", "ip"),
            _(
                "The notice gives {ip} as the address of {host}: a shared hosting server of ours; the account "
                "cannot be told from the address alone."
            ),
        ),
    ),
    "site_address_on_static_line": (
        (
            ("host", "ip", "account"),
            _(
                "The notice gives {ip} as the address of {host}: the static line of {account}, a site on the "
                "customer's own server."
            ),
        ),
    ),
    "site_address_on_dynamic_line": (
        (
            ("host", "ip", "at", "account"),
            _(
                "The notice gives {ip} as the address of {host} at {at}: an address of our pool that {account} "
                "held then, a site on the customer's own connection."
            ),
        ),
    ),
    "site_address_holder_unknown": (
        (
            ("host", "ip"),
            _(
                "The notice gives {ip} as the address of {host}: an address of ours, but who held it when the "
                "notice saw the site cannot be told."
            ),
        ),
    ),
    "reverse_name_is_ours": (
        (
            ("ip", "name"),
            _(
                "{ip} is in no block of our address plan, but the receiver confirmed its name {name} under our "
                "own domain: our address with its holder unknown. Check the address plan."
            ),
        ),
    ),
    # Receiving, not ours, nothing to go on.
    "received_by_our_mx": (
        (("host",), _("Our mail server {host} received it: we are the recipient's provider.")),
        ((), _("Our mail server received it: we are the recipient's provider.")),
    ),
    "not_ours": (
        (("contact",), _("Nothing of ours is involved; the responsible network's contact is {contact}.")),
        ((), _("Nothing of ours is involved, and no contact for the responsible network is known.")),
    ),
    "no_time": ((("ip",), _("The report names {ip} but no time: the session log cannot be checked.")),),
    "time_after_arrival": (
        (
            ("ip", "at"),
            _(
                "The report names {ip} at {at}, after the report reached us: a clock set wrong. "
                "The session log cannot be checked without the spam's real time."
            ),
        ),
    ),
    "nothing_to_go_on": (((), _("No address, login or advertised host to go on.")),),
    "complaint_without_material": (
        (
            (),
            _(
                "The complaint contains no reported message, address, login or advertised host: a person must read it."
            ),
        ),
    ),
    "empty_report": (((), _("The report is empty: there is nothing to attribute.")),),
    "unreadable_report": (
        (("reason",), _("The report could not be read ({reason}): a person must look at it.")),
        ((), _("The report could not be read: a person must look at it.")),
    ),
    "processing_failed": (
        (("reason",), _("Processing the report failed ({reason}): a person must look at it.")),
        ((), _("Processing the report failed: a person must look at it.")),
    ),
}

UNKNOWN_STEP = _("An attribution step of a kind this version does not know ({code}).")
INCOMPLETE_STEP = _("An attribution step ({code}) whose details were not recorded.")


def step_weight(step: dict) -> str:
    """ "evidence" (of a compromise), "signal", or "" for an ordinary step."""
    weight = step.get("weight")
    if weight in ("evidence", "signal"):
        return weight
    code = step.get("code")
    if code in COMPROMISE_CODES:
        return "evidence"
    return "signal" if code in SIGNAL_CODES else ""


def step_sentence(step: dict) -> str:
    code = step.get("code") or ""
    params = {k: _shown(k, v) for k, v in step.items() if k not in ("code", "weight") and v not in (None, "")}
    for needs, template in SENTENCES.get(code, ()):
        if all(name in params for name in needs):
            return str(template).format_map(params)
    fallback = INCOMPLETE_STEP if code in SENTENCES else UNKNOWN_STEP
    return str(fallback).format(code=code or "—")


def _shown(name: str, value) -> str:
    if name in TIME_PARAMS:
        return local_time(value)
    if name == "kind":
        return _block_kind_label(value)
    if name == "category":
        return str(INCIDENT_CATEGORIES.get(value, value))
    return str(value)


# What a report that is not about mail is about (the "category" of not_mail_abuse).
INCIDENT_CATEGORIES = {
    "malware": _("malware"),
    "login-attack": _("login attacks"),
    "other": _("something other than mail (a scan, a flood, an open service)"),
}


def local_time(value) -> str:
    """An ISO time as the reader's local time, in the same form the pages use."""
    when = parse_datetime(value) if isinstance(value, str) else value
    if when is None:
        return str(value)
    if timezone.is_naive(when):
        when = when.replace(tzinfo=UTC)
    return dateformat.format(timezone.localtime(when), TIME_FORMAT)


def _block_kind_label(value) -> str:
    from subscribers.choices import BlockKind

    try:
        return str(BlockKind(value).label)
    except ValueError:
        return str(value)
