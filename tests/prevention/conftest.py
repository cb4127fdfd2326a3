from tests.attribution import conftest as attribution

isp = attribution.isp  # the small ISP's inventory, shared with the attribution tests
