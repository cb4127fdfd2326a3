from tests.attribution import conftest as attribution
from tests.sanctions import conftest as sanctions

isp = attribution.isp  # the small ISP's inventory, shared with the attribution tests
recommended = sanctions.recommended  # a stand-in for the criteria, for lifecycle tests
other_staff = sanctions.other_staff
case = sanctions.case  # a case at E2 with three reporters on the static line of C-3
