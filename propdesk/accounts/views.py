from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from propdesk.accounts import services


class ThrottledLoginView(auth_views.LoginView):
    """The login page; after too many failures further attempts are refused for a while."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def _address(self):
        return self.request.META.get("REMOTE_ADDR")

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if services.login_is_locked(username=username, address=self._address()):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, ValidationError(_("登录失败次数过多，请15分钟后再试。")))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        services.login_failure_record(username=self.request.POST.get("username", ""), address=self._address())
        return super().form_invalid(form)

    def form_valid(self, form):
        services.login_success_record(username=form.get_user().get_username())
        return super().form_valid(form)
