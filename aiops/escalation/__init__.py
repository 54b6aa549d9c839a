"""Paging people: the paging decision (:mod:`.page_plan`: trigger, acknowledge, resolve and the
timers of the escalation policy), what a page says (:mod:`.page_content`) and carrying it out exactly once
(:mod:`.escalator`), through the pager and scheduler ports. Whether a playbook fits is asked of the
caller; imports only :mod:`aiops.incident.model` and :mod:`aiops.catalog.model`.
"""
