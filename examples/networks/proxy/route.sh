#!/bin/sh
# One HTTP request on stdin, its answer on stdout (nc runs this once per connection): GET /api/PATH is fetched
# from the api's /cgi-bin/PATH, any other path from the frontend. A toy reverse proxy that needs only busybox.
read -r method target _ || exit 0
# The request's headers end at an empty line.
while read -r line; do
  [ -z "$(printf '%s' "$line" | tr -d '\r')" ] && break
done
case "$target" in
  /api/*) upstream="http://api:8080/cgi-bin/${target#/api/}" type=application/json ;;
  *) upstream="http://frontend:8080$target" type=text/html ;;
esac
if [ "$method" != GET ]; then
  printf 'HTTP/1.0 405 Method Not Allowed\r\nContent-Type: text/plain\r\n\r\nonly GET\n'
elif body=$(timeout 5 wget -q -O - "$upstream" 2>/dev/null); then
  printf 'HTTP/1.0 200 OK\r\nContent-Type: %s\r\n\r\n%s\n' "$type" "$body"
else
  printf 'HTTP/1.0 502 Bad Gateway\r\nContent-Type: text/plain\r\n\r\n%s did not answer\n' "$upstream"
fi
