from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo ISP `make run` loads: data for every app, made through their services.

    It reads and writes through complaints, sanctions and subscribers like a user would;
    nothing imports it.
    """

    name = "demo"
