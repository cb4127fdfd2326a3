"""Mail a program wrote to the abuse mailbox in which nobody complains.

A mailing list manager answering a post that carried our address (Mailman, Sympa,
Google Groups: "your message awaits moderator approval", "... was rejected"), another
desk's or a carrier's receipt for mail we sent ("we received your report", "ご報告を
受け付けました"), a carrier's notice from an address that takes no replies ("このメール
は送信専用です"), a vacation reply. They often carry or quote a message that names one
of our customers; read as complaints, they would accuse that customer, and answering
them would answer a program (RFC 3834 section 2).

Two questions, asked of the message as it reached us (complaint.read_other):
- who wrote it: a program, by RFC 3834 Auto-Submitted, a null envelope sender, a list
  manager's administrative headers or address, or a sender address that takes no
  replies (`authored_by_a_program`). How it was sent (Precedence: bulk, List-Id) does
  not say that: a person's complaint is forwarded through a list too.
- what it says of itself (`notice_kind`): the words of a list's or a mail system's
  notice about a message sent to it, of a receipt, or of a send-only notice.
Machine reports (ARF, X-ARF, XARF, SpamCop...) are read before this and never reach it.
"""

from __future__ import annotations

import re
from email.message import Message

from . import mime

# RFC 2369 / RFC 2919 list fields, and the ones list managers add: how a message was
# distributed, not who wrote it.
_LIST_FIELDS = frozenset(
    {
        "list-id", "list-post", "list-help", "list-owner", "list-subscribe", "list-unsubscribe",
        "list-archive", "mailing-list", "x-mailman-version", "x-beenthere", "x-list-administrivia",
    }
)  # fmt: skip
_BULK_PRECEDENCE = ("bulk", "list", "junk", "auto_reply")
# A mailbox that takes no replies: no-reply@, noreply+x@, do-not-reply@, donotreply@,
# mail-noreply@, no_response@.
_NO_REPLY = re.compile(r"(?:^|[^a-z])(?:no|do[-_.]?not|dont)[-_.]?(?:reply|respon[sd]e?)(?:$|[^a-z])")
# A list manager's own addresses: the list's -owner, -bounces, -request (Mailman, Sympa,
# Majordomo), -help and -return (ezmlm), owner-list (Majordomo, LISTSERV), the managers'
# own names, and Google Groups' +owners. Not the list's posting address: a list that
# rewrites the From of a post (DMARC mitigation) sends a person's words from it.
_LIST_MANAGER = re.compile(
    r"^(?:owner-|mailman(?:$|[-+])|sympa(?:$|[-+])|listserv(?:$|[-+])|majordomo(?:$|[-+]))"
    r"|[-+](?:owners?|bounces?|request|help|return)(?:$|[-+])"
)


def _local_part(address: str | None) -> str:
    return address.rpartition("@")[0].lower() if address and "@" in address else ""


def takes_no_replies(address: str | None) -> bool:
    """A sender address that says it takes no mail back ("no-reply@", "donotreply@")."""
    return _NO_REPLY.search(_local_part(address)) is not None


def distributed_in_bulk(msg: Message) -> bool:
    """Sent to a list or in bulk: Precedence bulk/list/junk, or a list's fields."""
    precedence = (mime.header(msg, "Precedence") or "").strip().lower()
    return precedence in _BULK_PRECEDENCE or any(str(key).lower() in _LIST_FIELDS for key in msg.keys())


def authored_by_a_program(msg: Message) -> bool:
    """Written by a program, not by a person: RFC 3834 Auto-Submitted, a null envelope
    sender, Mailman's administrivia mark, a sender that takes no replies, or a list
    manager's own address. A list's copy of a person's post is no program's."""
    auto = (mime.header(msg, "Auto-Submitted") or "no").split(";")[0].strip().lower()
    if auto != "no" or (mime.header(msg, "Return-Path") or "").replace(" ", "") == "<>":
        return True
    if (mime.header(msg, "X-List-Administrivia") or "").strip().lower() == "yes":
        return True
    sender = mime.first_address(mime.header(msg, "From"))
    return takes_no_replies(sender) or _LIST_MANAGER.search(_local_part(sender)) is not None


# A list manager's or a mail system's notice about a message sent to it: held for a
# moderator, rejected, not delivered, its sender no member.
_DELIVERY_OR_LIST = re.compile(
    # "your message (to users@..., for list 'users', with the subject ..., (attached)) was
    # rejected"; not "your mail server ... was blocked" (a listing notice about an address)
    r"(?:your (?:message|mail|e-?mail|post(?:ing)?|submission)s?"
    r"|(?:message|mail|e-?mail|post)s? (?:that )?you (?:sent|posted))"
    r"(?:,?\s+(?:to|for|with|sent to|posted to|addressed to|about|entitled)\s[^\n]{0,80}?)?"
    r"(?:\s*\([^)\n]{0,40}\))?"
    r",?\s+(?:is|was|were|has been|have been|could not be|cannot be|can ?not be|will not be)"
    r"\s+(?:being\s+)?(?:held|rejected|refused|discarded|denied|blocked|bounced|quarantined|returned"
    r"|not (?:been )?(?:delivered|distributed|posted|accepted|sent|approved)|delivered|distributed|posted)"
    r"|awaits? (?:the )?moderat|awaiting (?:the )?moderat|held for (?:the )?moderat"
    r"|held until the list moderator"
    r"|moderator'?s? (?:approval|review|decision)|pending (?:moderator )?approval"
    r"|post(?:ed|ing)? by (?:a )?non-?member|non-?member (?:post|submission)|members?-only (?:list|group)"
    r"|not (?:a )?(?:member|subscriber) of (?:the|this) (?:list|group|mailing list)"
    r"|(?:do(?:n'?t| not)|not) have permission to post|not allowed to post"
    r"|distribution[^\n]{0,20}authori[sz]ation denied"
    # 投稿/送信されたメールは保留/拒否/配送できません, モデレーターの承認待ち, メンバー以外からの投稿
    r"|(?:投稿(?:された|した|いただいた|頂いた)?(?:メール|メッセージ|記事)?"
    r"|送信(?:された|した|いただいた|頂いた)(?:メール|メッセージ))(?:は|が)[^。\n]{0,40}?"
    r"(?:保留|承認待ち|拒否|却下|配送でき|配信でき|お?届けでき|配送されません|配信されません)"
    r"|(?:モデレータ|モデレーター|管理者)の承認(?:待ち|が必要)|(?:メンバー|会員|登録者)以外(?:から|の)(?:の)?投稿",
    re.IGNORECASE,
)
# A receipt for mail the reader sent: "we received your report", "thank you for
# contacting us", "your ticket has been created"; in Japanese the honorific ご/お marks
# the reader's act ("ご報告を受け付けました": your report was received), as against a
# complaint's "苦情を受け付けました" (a complaint about you was received).
_RECEIPT = re.compile(
    r"we(?: have|'ve)? received your\b|thank(?:s| you) for (?:your (?:report|message|e-?mail|inquiry|enquiry"
    r"|submission|complaint|notification)|contacting|reporting|writing)"
    r"|your (?:report|message|e-?mail|complaint|request|inquiry|enquiry|submission|ticket|case)"
    r" (?:has been|was|is being|is) (?:received|logged|recorded|registered|created|opened|assigned|queued)"
    r"|(?:this|the following) is an? automat\w* (?:reply|response|acknowledg\w*|confirmation|receipt)"
    r"|(?:ご|お)(?:報告|連絡|申告|依頼|問い?合わ?せ|申し?込み?|送信|情報提供|投稿)[^。\n]{0,12}?"
    r"(?:受け付け|受付いたし|受付致し|受付し|受領|承り|拝受)"
    r"|(?:ご|お)(?:報告|連絡|申告|問い?合わ?せ|情報提供)(?:を)?(?:いただき|頂き|くださり|下さり)[^。\n]{0,10}?ありがと"
    r"|(?:お|ご)(?:送り|寄せ|知らせ)(?:いただ|頂|くださ|下さ)[^。\n]{0,20}?(?:受け付け|受付|受領|承り)"
    # "【受付】", "受付完了のお知らせ"; not "受付番号" alone: a carrier's complaint has one too
    r"|[\[【(]\s*(?:自動)?受付(?:完了|確認)?\s*[\]】)]|受付完了|自動(?:受付|返信|応答)",
    re.IGNORECASE,
)
# A notice from an address that takes no replies, saying so.
_SEND_ONLY = re.compile(
    r"送信専用|(?:ご)?返信(?:いただいて|頂いて|されて|いただきまして|頂きまして)も[^。\n]{0,20}?"
    r"(?:お答え|回答|ご回答|対応|お返事|返答)(?:でき|いたしかね|致しかね|しかね)"
    r"|(?:本|この)メール(?:へ|に)の(?:ご)?返信は[^。\n]{0,20}?(?:できません|受け付けて|お受け|ご遠慮)"
    r"|(?:please )?do not (?:reply|respond)(?: directly)? to this"
    r" (?:e-?mail|message|address|notification|mail)"
    r"|(?:this|the) (?:e-?mail |sender )?(?:address|mailbox|inbox) (?:is|was) (?:not monitored|unmonitored"
    r"|unattended|send-?only|used only for sending)"
    r"|replies to this (?:e-?mail|message|address) (?:are|will) not be (?:read|answered|monitored|received)"
    r"|this is an? (?:automated|automatic(?:ally generated)?|system[- ]generated|auto-?generated)"
    r" (?:message|notice|notification|e-?mail|mail)",
    re.IGNORECASE,
)

LIST_OR_DELIVERY = "list_or_delivery"
RECEIPT = "receipt"
SEND_ONLY = "send_only"


def own_words(prose: str, limit: int = 3000) -> str:
    """The sender's own lines, without the lines it quotes ("> ...")."""
    lines = (line for line in prose[: limit * 2].splitlines() if not line.lstrip().startswith(">"))
    return "\n".join(lines)[:limit]


def notice_kind(subject: str, words: str) -> str | None:
    """What a program's message says it is, by its subject and its own words: a list's or
    a mail system's notice about a message sent to it, a receipt, a send-only notice;
    None when it says none of these (a program's notice about abuse, say)."""
    for text in (subject, words):
        if _DELIVERY_OR_LIST.search(text):
            return LIST_OR_DELIVERY
    for text in (subject, words):
        if _RECEIPT.search(text):
            return RECEIPT
    if _SEND_ONLY.search(words) or _SEND_ONLY.search(subject):
        return SEND_ONLY
    return None
