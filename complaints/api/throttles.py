from rest_framework.throttling import SimpleRateThrottle

from complaints.selectors import partner_of


class PartnerRateThrottle(SimpleRateThrottle):
    """Each partner's own limit (Partner.rate_limit); desk users are not throttled."""

    scope = "partner"

    def __init__(self):
        # The rate is per partner, known only once the request is authenticated.
        pass

    def allow_request(self, request, view):
        partner = partner_of(request.user)
        if partner is None:
            return True
        self.rate = partner.rate_limit
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.partner = partner
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"throttle_partner_{self.partner.pk}"
