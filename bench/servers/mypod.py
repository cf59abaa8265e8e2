#!/usr/bin/env python3
"""MyPod's sync hook written the way Metacontroller's Python examples are: http.server, json,
the controller's logic, no validation. Same output as the TypeScript controller."""
import json
import os
import shlex
from http.server import BaseHTTPRequestHandler, HTTPServer


def desired_pod(parent):
    spec = parent.get("spec", {})
    container = {"name": "main", "image": spec.get("image", "nginx")}
    if "customCommand" in spec:
        container["command"] = shlex.split(spec["customCommand"])
    if "uri" in spec:
        container["env"] = [{"name": "URI", "value": spec["uri"]}]
    name = parent["metadata"]["name"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/name": "mypod",
                "app.kubernetes.io/instance": name,
                "app.kubernetes.io/managed-by": "metahooks",
            },
        },
        "spec": {"containers": [container]},
    }


def status(observed, pod):
    name = pod["metadata"]["name"]
    base = {"podName": name, "image": pod["spec"]["containers"][0]["image"]}
    if observed is None:
        return {**base, "phase": "Pending", "conditions": [{"type": "Ready", "status": "False", "reason": "PodNotCreated", "message": f"waiting for Pod {name} to be created"}]}
    phase = observed.get("status", {}).get("phase", "Pending")
    ready = next((c for c in observed.get("status", {}).get("conditions", []) if c.get("type") == "Ready"), None)
    if ready and ready.get("status") == "True":
        cond = {"type": "Ready", "status": "True", "reason": "PodReady", "message": f"Pod {name} is ready"}
        if "lastTransitionTime" in ready:
            cond["lastTransitionTime"] = ready["lastTransitionTime"]
        return {**base, "phase": phase, "conditions": [cond]}
    return {**base, "phase": phase, "conditions": [{"type": "Ready", "status": "False", "reason": (ready or {}).get("reason", "PodNotReady"), "message": (ready or {}).get("message", f"Pod {name} is {phase}")}]}


class Controller(BaseHTTPRequestHandler):
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("content-length"))))
        parent = request["parent"]
        pod = desired_pod(parent)
        observed = next((p for p in request["children"].get("Pod.v1", {}).values() if p["metadata"]["name"] == parent["metadata"]["name"]), None)
        body = json.dumps({"status": status(observed, pod), "children": [pod]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Controller)
print("ready", flush=True)
server.serve_forever()
