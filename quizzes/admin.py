from __future__ import annotations

from django.contrib import admin

from quizzes.models import (
    Card,
    ExamAttempt,
    ExamResponse,
    LearnerSettings,
    Option,
    PracticeSession,
    Question,
    ReviewLog,
)


class OptionInline(admin.StackedInline):
    model = Option
    extra = 0
    fields = ["order", "text", "correct", "explanation"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["uid", "type", "topic", "status", "source", "difficulty", "updated_at"]
    list_filter = ["status", "type", "source", "difficulty", "topic"]
    search_fields = ["uid", "stem", "options__text"]
    list_select_related = ["topic"]
    filter_horizontal = ["topics"]
    inlines = [OptionInline]
    actions = ["publish", "unpublish"]
    fields = [
        "uid",
        "type",
        "status",
        "topic",
        "topics",
        "difficulty",
        "stem",
        "answer",
        "section_ref",
        "author",
        "data",
    ]

    @admin.action(description="Publish the selected questions")
    def publish(self, request, queryset):
        queryset.update(status=Question.Status.PUBLISHED)

    @admin.action(description="Move the selected questions back to draft")
    def unpublish(self, request, queryset):
        queryset.update(status=Question.Status.DRAFT)


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["user", "question", "state", "due", "reps", "lapses", "leech", "suspended"]
    list_filter = ["state", "leech", "suspended", "is_new"]
    search_fields = ["user__username", "question__uid"]
    list_select_related = ["user", "question"]
    raw_id_fields = ["user", "question"]


@admin.register(ReviewLog)
class ReviewLogAdmin(admin.ModelAdmin):
    list_display = ["user", "card", "rating", "source", "reviewed_at", "state_before", "state_after"]
    list_filter = ["source", "rating"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "card"]
    date_hierarchy = "reviewed_at"


class ExamResponseInline(admin.TabularInline):
    model = ExamResponse
    extra = 0
    fields = ["position", "question", "chosen", "flagged", "correct"]
    raw_id_fields = ["question"]


@admin.register(ExamAttempt)
class ExamAttemptAdmin(admin.ModelAdmin):
    list_display = ["user", "started_at", "submitted_at", "correct", "total", "scaled", "passed", "auto_submitted"]
    list_filter = ["passed", "auto_submitted"]
    search_fields = ["user__username"]
    inlines = [ExamResponseInline]


@admin.register(PracticeSession)
class PracticeSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "created_at", "position"]
    search_fields = ["user__username", "title"]


@admin.register(LearnerSettings)
class LearnerSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "desired_retention", "new_per_day", "reviews_per_day"]
