from django.conf import settings


def product(request) -> dict:
    return {"product_name": settings.PRODUCT_NAME}
