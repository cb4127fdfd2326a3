from tests.attribution import conftest as attribution
from tests.sanctions import conftest as sanctions

isp = attribution.isp  # the small ISP's inventory, shared with the attribution tests
recommended = sanctions.recommended  # a stand-in for the criteria, for lifecycle tests
other_staff = sanctions.other_staff
case = sanctions.case  # a case at E2 with three reporters on the static line of C-3
mail_case = sanctions.mail_case  # a case about taro's mail account M-1 (L4 and L5 act on one)
hosted_case = sanctions.hosted_case  # a case about a page on a site we host (H-1)
