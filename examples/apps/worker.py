# A stand-in for a queue worker: stays up until PM2 stops it.
import os
import time

print(f"worker up, queue={os.environ.get('QUEUE', 'default')}", flush=True)
while True:
    time.sleep(60)
