"""What is wrong and how much it costs: the root-cause ranking over an incident's members and the
changes before them, the business impact against SLOs (burn rates, error budget, dollars at risk, cost
facts) and the severity that follows from impact and tier. Reads metrics through its one port. Imports
:mod:`aiops.incident.model` and :mod:`aiops.catalog.model`; knows nothing of runbooks, pages or Slack.
"""
