from django.urls import path

from propdesk.desk import views

app_name = "desk"
urlpatterns = [
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/export.xlsx", views.contacts_export, name="contacts-export"),
    path("contacts/new/", views.contact_new, name="contact-new"),
    path("contacts/lookup/", views.contact_lookup, name="contact-lookup"),
    path("contacts/caller/", views.caller_panel, name="caller-panel"),
    path("contacts/read-back/", views.read_back, name="read-back"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/export.xlsx", views.tickets_export, name="tickets-export"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/transition/", views.ticket_transition, name="ticket-transition"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket-assign"),
    path("tickets/<int:pk>/priority/", views.ticket_priority, name="ticket-priority"),
    path("tickets/<int:pk>/comment/", views.ticket_comment, name="ticket-comment"),
    path("tickets/<int:pk>/attach/", views.ticket_attach, name="ticket-attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("mine/", views.mine, name="mine"),
]
