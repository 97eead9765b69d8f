# /usr/bin/barbican-wsgi-api hard-codes /etc/barbican/barbican-api-paste.ini, whose /v1
# pipeline is unauthenticated: load our own paste file (keystone pipeline) instead.
import os
from paste import deploy
application = deploy.loadapp('config:' + os.environ['BARBICAN_PASTE'])
