"""Tools that read an AWS account through boto3: ``aiops maturity``, ``aiops catalog discover|init``.

Not part of the pure core (they call AWS) and never run in Lambda: they are command-line tools.
boto3 is imported lazily, inside functions, so that ``aiops --help`` stays fast.
"""

from aiops.account.maturity import assess_account
from aiops.account.render import render_text

__all__ = ["assess_account", "render_text"]
