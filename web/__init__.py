"""The web server: Twilio's webhooks now, staff pages later, in one Flask app served by waitress."""
