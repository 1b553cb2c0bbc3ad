from django.contrib import admin

from propdesk.surveys.models import Question, Questionnaire, SurveySchedule


@admin.register(SurveySchedule)
class SurveyScheduleAdmin(admin.ModelAdmin):
    """调查计划 (SUR-1): the preset or the project's own windows, and the SUR-2 targets."""

    list_display = ("project", "preset", "windows", "distribution_target", "return_target")


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "created_at")
    inlines = [QuestionInline]
