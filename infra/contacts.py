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
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(raw, check_deliverability=False).normalized)
    except EmailNotValidError as e:
        raise AdminError(f"not a valid e-mail address: {raw!r} ({e})") from None
