"""Field mode: the operator's visits on the phone, logged on the spot, online or offline."""
