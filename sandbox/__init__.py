"""Local emulator of Dataverse (Dynamics 365 Sales), Business Central and Entra ID tokens.

The sandbox runs as its own HTTPS process (``python manage.py sandbox``) with its own sqlite
storage. It imports nothing from the portal apps and they import nothing from it.
"""
