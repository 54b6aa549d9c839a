"""What people read: the incident as Slack Block Kit messages (:mod:`.slack_blocks`), the same
messages as terminal text (:mod:`.terminal_text`), the replay's JSON report (:mod:`.json_report`), and the
one Slack thread per incident kept in step with its record (:mod:`.slack_thread`). Reads the record and
decides nothing; imports :mod:`aiops.incident.model` (and the package-wide helpers) only.
"""
