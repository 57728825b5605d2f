"""Officers' contact details as admins type them: phone numbers (E.164) and e-mail addresses.

Shared by `kmzb-admin subscribe` and `kmzb-admin units check`; the libraries are imported on
use (phonenumbers' metadata is large).
"""

from __future__ import annotations


class AdminError(Exception):
    """Bad input: reported on one line, nothing changed."""


def normalise_phone(raw: str) -> str:
    """A phone number in E.164; Polish numbers may omit +48."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, "PL")
    except phonenumbers.NumberParseException as e:
        raise AdminError(f"not a phone number: {raw!r} ({e})") from None
    if not phonenumbers.is_valid_number(number):
        raise AdminError(f"not a valid phone number: {raw!r}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_email(raw: str) -> str:
    """The one spelling of a mailbox that identifies it (a subscription, a contact).

    Syntax-checked by email_validator (no DNS look-up); the domain is lower case (IDNA
    normalised), and so is the local part: RFC 5321 lets a server tell `Jan` from `jan`, but
    practically every mailbox (Gmail, Outlook, the Police's own) ignores case, and two
    subscriptions for `tester@example.com` and `TESTER@example.com` would send everything
    twice to one person. Raises AdminError for an address that is not one.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(raw, check_deliverability=False)
        return f"{valid.local_part.lower()}@{valid.domain}"
    except EmailNotValidError as e:
        raise AdminError(f"not a valid e-mail address: {raw!r} ({e})") from None
