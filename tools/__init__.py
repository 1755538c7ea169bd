"""Developer tools, not installed: the devcloud, the bench, the demo, and
the loopback proxies that the bench and the functional tests share."""
