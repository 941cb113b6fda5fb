"""The project's URLconf plus the floor page. Never the ROOT_URLCONF of a real installation: the benchmark
mounts it in-process (override_settings), the load test through BENCHMARK_URLS=1 (see federation/settings.py)."""

from django.urls import path

from benchmarks import views
from federation import urls

urlpatterns = [*urls.urlpatterns, path("benchmark/floor/", views.floor, name="benchmark_floor")]

handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
