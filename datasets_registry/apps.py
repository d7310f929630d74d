from django.apps import AppConfig


class DatasetsRegistryConfig(AppConfig):
    name = "datasets_registry"
    verbose_name = "Datasets"
