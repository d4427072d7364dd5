"""HTTP routers: thin layers that turn domain results and errors into responses."""
