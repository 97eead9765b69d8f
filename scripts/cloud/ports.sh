# Ports of the local cloud, all on 127.0.0.1 (sourced by up.sh, down.sh).
CLOUD_PORTS=(
  5000   # keystone
  9292   # glance
  8778   # placement
  8774   # nova
  9696   # neutron
  8776   # cinder
  8080   # swift proxy (+ s3api)
  6200 6201 6202  # swift object / container / account servers
  9311   # barbican
  9876   # octavia
  8786   # manila
  3306   # mariadb
  5672 25672 4369  # rabbitmq amqp / erlang distribution / epmd
  11211  # memcached
)
