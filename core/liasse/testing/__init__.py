"""liasse's test kit for hosts and plugin vendors (a pytest plugin, ``pytest11``).

Installed with liasse, it gives every test session these fixtures:

* ``liasse_sandbox``: ``liasse_sandbox("docsecure")`` starts that provider's
  sandbox on loopback and stops it after the test;
* ``reference_host``: the reference host with its demo data on a temporary database;
* ``liasse_office``: ``liasse_office("docsecure", …)`` writes an office
  directory whose providers point at freshly started sandboxes and returns
  an opened :class:`~liasse.app.Liasse`, demo credentials connected;
* ``registered_plugin``: a context manager that registers a plugin object on a
  Liasse for the block only.

:mod:`liasse.testing.conformance` holds the suites a provider plugin runs
against its own sandbox, one per capability; :mod:`liasse.testing.distributions`
installs a plugin distribution like a third-party package (``pip --target``)
and runs commands that see it.
"""
