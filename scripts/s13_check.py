#!/usr/bin/env python3
"""Check an IMEI against an S13 EIR (TS 29.272 ME-Identity-Check over Diameter/TCP).

Builds and decodes every message with scapy's Diameter layer (scapy.contrib.diameter; Debian
package python3-scapy). Sends CER, then one ECR per --count (Terminal-Information with IMEI and
Software-Version, User-Name with the IMSI when given), prints each answer, then DPR.

    python3 scripts/s13_check.py [--host 127.0.0.1] [--port 3868] IMEI [IMSI]

Prints WHITELISTED, BLACKLISTED or GREYLISTED, "UNKNOWN (5422)", or the Result-Code.
Exit code: 0 when every ECA is 2001, 1 otherwise, 2 usage, 3 connection or protocol failure.
"""
import argparse
import random
import socket
import sys
import time

try:
    from scapy.contrib.diameter import AVP, DiamAns, DiamG, DiamReq
except ImportError as e:  # pragma: no cover
    # Debian's python3-scapy belongs to the system Python; another python3 first on PATH (a
    # virtual environment, pyenv) does not see it: run again with the system one.
    import os
    system = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(system) and os.path.exists(system) and not os.environ.get("S13_CHECK_REEXEC"):
        os.environ["S13_CHECK_REEXEC"] = "1"
        os.execv(system, [system, *sys.argv])
    print(f"s13_check: cannot import scapy.contrib.diameter ({e}); install python3-scapy", file=sys.stderr)
    sys.exit(3)

VENDOR_3GPP = 10415
APP_S13 = 16777252
CMD_CER, CMD_DWR, CMD_DPR, CMD_ECR = 257, 280, 282, 324
STATUS = {0: "WHITELISTED", 1: "BLACKLISTED", 2: "GREYLISTED"}
RESULT_NAMES = {
    2001: "DIAMETER_SUCCESS",
    3001: "DIAMETER_COMMAND_UNSUPPORTED",
    3007: "DIAMETER_APPLICATION_UNSUPPORTED",
    5001: "DIAMETER_AVP_UNSUPPORTED",
    5004: "DIAMETER_INVALID_AVP_VALUE",
    5005: "DIAMETER_MISSING_AVP",
    5010: "DIAMETER_NO_COMMON_APPLICATION",
    5012: "DIAMETER_UNABLE_TO_COMPLY",
    5422: "DIAMETER_ERROR_EQUIPMENT_UNKNOWN",
}


class ProtocolError(Exception):
    pass


class Peer:
    def __init__(self, sock, origin_host, origin_realm):
        self.sock = sock
        self.origin_host = origin_host
        self.origin_realm = origin_realm
        self.hop_by_hop = random.getrandbits(32)
        # RFC 6733 section 3: high 12 bits from the clock, low 20 bits random
        self.end_to_end = ((int(time.time()) & 0xFFF) << 20) | random.getrandbits(20)

    def ids(self):
        self.hop_by_hop = (self.hop_by_hop + 1) & 0xFFFFFFFF
        self.end_to_end = (self.end_to_end + 1) & 0xFFFFFFFF
        return self.hop_by_hop, self.end_to_end

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ProtocolError("the EIR closed the connection")
            data += chunk
        return data

    def recv(self):
        head = self.recv_exact(4)
        length = int.from_bytes(head[1:4], "big")
        if head[0] != 1 or length < 20:
            raise ProtocolError(f"not a Diameter message (version {head[0]}, length {length})")
        return DiamG(head + self.recv_exact(length - 4))

    def request(self, msg):
        """Sends a request and returns its answer, answering the EIR's DWRs meanwhile."""
        self.sock.sendall(bytes(msg))
        while True:
            ans = self.recv()
            if ans.drFlags & 0x80:  # a request from the EIR
                self.answer_request(ans)
                continue
            if ans.drHbHId == msg.drHbHId:
                return ans

    def answer_request(self, req):
        avps = [AVP(268, val=2001), AVP(264, val=self.origin_host), AVP(296, val=self.origin_realm)]
        ans = DiamAns(req.drCode, drAppId=req.drAppId, drFlags=0, drHbHId=req.drHbHId, drEtEId=req.drEtEId, avpList=avps)
        self.sock.sendall(bytes(ans))


def avp_value(msg, code, vendor=0):
    for a in msg.avpList:
        if a.avpCode == code and (getattr(a, "avpVnd", 0) or 0) == vendor:
            return a.val
    return None


def describe(eca):
    """(text, ok) of an ECA."""
    result_code = avp_value(eca, 268)
    status = avp_value(eca, 1445, VENDOR_3GPP)
    if result_code == 2001 and status is not None:
        return STATUS.get(status, f"Equipment-Status {status}"), True
    experimental = avp_value(eca, 297)
    if experimental:
        code = next((a.val for a in experimental if a.avpCode == 298), None)
        if code == 5422:
            return "UNKNOWN (5422)", False
        return f"Experimental-Result-Code {code} ({RESULT_NAMES.get(code, '?')})", False
    if result_code is None:
        return "no Result-Code", False
    return f"Result-Code {result_code} ({RESULT_NAMES.get(result_code, '?')})", result_code == 2001


def main():
    ap = argparse.ArgumentParser(description="Check an IMEI against an S13 EIR (Diameter ME-Identity-Check).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=3868)
    ap.add_argument("--origin-host", default="s13-check.localdomain")
    ap.add_argument("--origin-realm", default="localdomain")
    ap.add_argument("--destination-realm", help="default: the Origin-Realm of the CEA")
    ap.add_argument("--svn", default="00", help="Software-Version (2 digits); a 16-digit IMEISV brings its own")
    ap.add_argument("--count", type=int, default=1, help="send this many ECRs")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds")
    ap.add_argument("imei", help="IMEI (14 or 15 digits) or IMEISV (16)")
    ap.add_argument("imsi", nargs="?", help="IMSI, sent as User-Name")
    args = ap.parse_args()
    imei, svn = args.imei, args.svn
    if len(imei) == 16 and imei.isdigit():
        imei, svn = imei[:14], imei[14:]

    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    except OSError as e:
        print(f"s13_check: cannot connect to {args.host}:{args.port}: {e}", file=sys.stderr)
        return 3
    peer = Peer(sock, args.origin_host, args.origin_realm)
    try:
        hbh, e2e = peer.ids()
        local_ip = sock.getsockname()[0]
        cer = DiamReq(CMD_CER, drAppId=0, drHbHId=hbh, drEtEId=e2e, avpList=[
            AVP(264, val=args.origin_host),
            AVP(296, val=args.origin_realm),
            AVP(257, val=local_ip),
            AVP(266, val=0),
            AVP(269, val="s13_check"),
            AVP(265, val=VENDOR_3GPP),
            AVP(258, val=APP_S13),
            AVP(260, val=[AVP(266, val=VENDOR_3GPP), AVP(258, val=APP_S13)]),
        ])
        cea = peer.request(cer)
        if avp_value(cea, 268) != 2001:
            text, _ = describe(cea)
            print(f"s13_check: capabilities exchange refused: {text}", file=sys.stderr)
            return 3
        realm = args.destination_realm or avp_value(cea, 296)
        if isinstance(realm, bytes):
            realm = realm.decode()
        all_ok = True
        for i in range(args.count):
            hbh, e2e = peer.ids()
            terminal = [AVP([1402, VENDOR_3GPP], val=imei), AVP([1403, VENDOR_3GPP], val=svn)]
            avps = [
                AVP(263, val=f"{args.origin_host};{e2e};{i}"),
                AVP(277, val=1),
                AVP(264, val=args.origin_host),
                AVP(296, val=args.origin_realm),
                AVP(283, val=realm),
                AVP([1401, VENDOR_3GPP], val=terminal),
            ]
            if args.imsi:
                avps.append(AVP(1, val=args.imsi))
            ecr = DiamReq(CMD_ECR, drAppId=APP_S13, drHbHId=hbh, drEtEId=e2e, avpList=avps)
            text, ok = describe(peer.request(ecr))
            print(text)
            all_ok = all_ok and ok
        hbh, e2e = peer.ids()
        dpr = DiamReq(CMD_DPR, drAppId=0, drHbHId=hbh, drEtEId=e2e, avpList=[
            AVP(264, val=args.origin_host), AVP(296, val=args.origin_realm), AVP(273, val=2),
        ])
        try:
            peer.request(dpr)
        except (ProtocolError, OSError):
            pass
        return 0 if all_ok else 1
    except (ProtocolError, OSError) as e:
        print(f"s13_check: {e}", file=sys.stderr)
        return 3
    finally:
        sock.close()


if __name__ == "__main__":
    sys.exit(main())
