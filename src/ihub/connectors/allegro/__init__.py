"""Allegro REST API: device-flow OAuth, the order event journal and checkout forms.

A pure adapter: it imports no FastAPI, no ORM and no Celery. ``spec`` says what a connection
needs, ``auth`` speaks the OAuth endpoints, ``client`` the REST API, ``streams`` turns them into
pages of work and ``mapping`` turns a checkout form into an order.
"""
