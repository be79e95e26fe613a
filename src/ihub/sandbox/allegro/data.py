"""Plausible sellers' data for generated orders: buyers, addresses, offers, deliveries."""

from __future__ import annotations

FIRST_NAMES = [
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Magdalena",
    "Paweł",
    "Agnieszka",
    "Michał",
    "Joanna",
    "Krzysztof",
    "Ewa",
    "Marcin",
    "Zofia",
    "Jakub",
    "Ola",
]
LAST_NAMES = [
    "Nowak",
    "Kowalski",
    "Wiśniewska",
    "Wójcik",
    "Kamińska",
    "Lewandowski",
    "Zielińska",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowska",
    "Mazur",
]
CITIES = [
    ("Warszawa", "00-950"),
    ("Kraków", "30-001"),
    ("Łódź", "90-001"),
    ("Wrocław", "50-001"),
    ("Poznań", "60-001"),
    ("Gdańsk", "80-001"),
    ("Szczecin", "70-001"),
    ("Lublin", "20-001"),
    ("Katowice", "40-001"),
]
STREETS = [
    "Marszałkowska",
    "Długa",
    "Polna",
    "Leśna",
    "Słoneczna",
    "Krótka",
    "Lipowa",
    "Ogrodowa",
    "Kwiatowa",
    "Szkolna",
]
# (offer id, name, SKU, unit price)
OFFERS = [
    ("7782361656", "Kubek termiczny 450 ml, stal nierdzewna", "MUG-450", "39.99"),
    ("7782361701", "Lampka biurkowa LED z ładowarką USB", "LAMP-LED-1", "89.00"),
    ("7782361733", "Plecak miejski 25 l, wodoodporny", "BAG-25", "149.90"),
    ("7782361790", "Zestaw noży kuchennych 5 szt.", "KNIFE-5", "219.00"),
    ("7782361812", "Słuchawki bezprzewodowe douszne", "EAR-BT", "129.99"),
    ("7782361845", "Koc polarowy 150x200 cm", "BLANKET-150", "59.90"),
    ("7782361877", "Mata do jogi 6 mm", "YOGA-6", "74.50"),
    ("7782361902", "Termometr kuchenny cyfrowy", "THERMO-K", "24.99"),
]
# (method id, name, cost, pickup point?)
DELIVERIES = [
    ("2488f7b7-5d1c-4d65-b85c-4cbcf253fd93", "Allegro Paczkomaty InPost", "9.99", True),
    ("b20ef9e1-faa2-4f25-9032-adbea23e5cb9", "Allegro Kurier DPD", "14.99", False),
    ("1fa56f79-4b6a-4821-a6f2-ca9c16d5c925", "Allegro One Box, One Kurier", "8.99", True),
]
# (payment type, provider)
PAYMENTS = [
    ("ONLINE", "P24"),
    ("ONLINE", "PAYU"),
    ("ONLINE", "AF"),
    ("CASH_ON_DELIVERY", "OFFLINE"),
]
