from ninja import NinjaAPI

api = NinjaAPI(title="Service desk API", version="1", urls_namespace="api")
