"""Working days in China: weekends and public holidays are off, make-up working days (调休) are on."""

from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar
from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)


def is_working_day(day: dt.date) -> bool:
    """Whether offices work on that day (State Council calendar; weekdays outside the calendar's years)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library does not know yet
        log.warning("no holiday calendar for %s; treating weekdays as working days", day.year)
        return day.weekday() < 5


def send_window_open(now: dt.datetime | None = None) -> bool:
    """Reminders go out on working days from the configured hour (local time) onwards."""
    now = timezone.localtime(now)
    return is_working_day(now.date()) and now.hour >= settings.REMINDER_HOUR


def working_days_after(start: dt.date, count: int) -> dt.date:
    """The date `count` working days after `start`."""
    day = start
    while count > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The working days after `start`, up to and including `end` (Friday → the next Monday is 1)."""
    days, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        days += is_working_day(day)
    return days
