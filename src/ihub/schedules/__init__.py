"""Schedules: cron + IANA timezone rows that start runs when due."""
