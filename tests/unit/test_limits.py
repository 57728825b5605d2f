from datetime import UTC, datetime

from chalicelib.limits import client_key, limit_key, warsaw_day


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_client_key_is_a_keyed_hash_that_hides_the_address() -> None:
    key = client_key(b"secret-one-secret", "203.0.113.7")
    assert len(key) == 64
    assert "203.0.113.7" not in key
    assert key == client_key(b"secret-one-secret", "203.0.113.7")
    assert key != client_key(b"secret-two-secret", "203.0.113.7")
    assert key != client_key(b"secret-one-secret", "203.0.113.8")
    assert limit_key(key) == f"report#{key}"


def test_the_day_ends_at_warsaw_midnight_in_summer() -> None:
    # 23:59 CEST on 10 June is 21:59 UTC; the day ends at 22:00 UTC.
    late = utc(2026, 6, 10, 21, 59)
    day = warsaw_day(late)
    assert str(day.date) == "2026-06-10"
    assert day.ends_at == utc(2026, 6, 10, 22, 0)
    assert day.seconds_left(late) == 60
    # 00:01 CEST on 11 June belongs to the next day.
    assert str(warsaw_day(utc(2026, 6, 10, 22, 1)).date) == "2026-06-11"


def test_the_day_ends_at_warsaw_midnight_in_winter() -> None:
    late = utc(2026, 12, 1, 22, 59)  # 23:59 CET
    day = warsaw_day(late)
    assert str(day.date) == "2026-12-01"
    assert day.ends_at == utc(2026, 12, 1, 23, 0)
    assert str(warsaw_day(utc(2026, 12, 1, 23, 1)).date) == "2026-12-02"


def test_days_of_a_dst_change_last_23_and_25_hours() -> None:
    # Clocks go forward on 29 March 2026: 00:01 CET that day to midnight is 22:59.
    spring_start = utc(2026, 3, 28, 23, 1)
    spring = warsaw_day(spring_start)
    assert str(spring.date) == "2026-03-29"
    assert spring.ends_at == utc(2026, 3, 29, 22, 0)
    assert spring.seconds_left(spring_start) == 22 * 3600 + 59 * 60
    # Clocks go back on 25 October 2026: that day lasts 25 hours.
    autumn_start = utc(2026, 10, 24, 22, 1)  # 00:01 CEST
    autumn = warsaw_day(autumn_start)
    assert str(autumn.date) == "2026-10-25"
    assert autumn.ends_at == utc(2026, 10, 25, 23, 0)
    assert autumn.seconds_left(autumn_start) == 24 * 3600 + 59 * 60


def test_the_ttl_of_a_limit_record_is_the_end_of_the_day() -> None:
    day = warsaw_day(utc(2026, 6, 10, 12, 0))
    assert day.expires_epoch == int(utc(2026, 6, 10, 22, 0).timestamp())
