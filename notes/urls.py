from django.urls import path

from notes import views

app_name = "notes"

urlpatterns = [
    path("", views.home, name="home"),
    path("topics/unsorted/", views.unsorted, name="unsorted"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("notes/", views.note_list, name="notes"),
    path("notes/<slug:slug>/", views.note_detail, name="note"),
    path("sections/<int:pk>/topic/", views.assign_topic, name="assign_topic"),
    path("search/", views.search, name="search"),
]
