from django.urls import path

from quizzes import authoring, views

app_name = "quizzes"

urlpatterns = [
    path("quiz/practice/", views.practice_start, name="practice_start"),
    path("quiz/practice/questions/", views.practice_questions, name="practice_questions"),
    path("quiz/practice/<int:pk>/", views.practice, name="practice"),
    path("quiz/practice/<int:pk>/next/", views.practice_next, name="practice_next"),
    path("quiz/exam/", views.exam_home, name="exam_home"),
    path("quiz/exam/<int:pk>/q/<int:number>/", views.exam_question, name="exam_question"),
    path("quiz/exam/<int:pk>/submit/", views.exam_submit, name="exam_submit"),
    path("quiz/exam/<int:pk>/", views.exam_result, name="exam_result"),
    path("quiz/exam/<int:pk>/retake/", views.exam_retake_missed, name="exam_retake"),
    path("quiz/exam/<int:pk>/add-missed/", views.exam_add_missed, name="exam_add_missed"),
    path("quiz/topics/<slug:slug>/add-cards/", views.add_topic_cards, name="add_topic_cards"),
    path("review/", views.review, name="review"),
    path("review/settings/", views.review_settings, name="review_settings"),
    path("review/cards/<int:pk>/answer/", views.review_answer, name="review_answer"),
    path("review/cards/<int:pk>/rate/", views.review_rate, name="review_rate"),
    path("review/cards/<int:pk>/<str:action>/", views.card_action, name="card_action"),
    path("stats/", views.stats, name="stats"),
    path("quiz/author/", authoring.question_list, name="author_list"),
    path("quiz/author/new/", authoring.question_edit, name="author_new"),
    path("quiz/author/preview/", authoring.preview, name="author_preview"),
    path("quiz/author/<slug:uid>/", authoring.question_detail, name="author_detail"),
    path("quiz/author/<slug:uid>/edit/", authoring.question_edit, name="author_edit"),
    path("quiz/author/<slug:uid>/duplicate/", authoring.duplicate, name="author_duplicate"),
]
