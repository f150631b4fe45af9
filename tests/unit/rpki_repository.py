# -*- coding: utf-8 -*-
"""A small RPKI repository signed by the test: a trust anchor, one CA under it, and the CA's ROAs and ASPAs, laid
out as validators keep rsync repositories in their caches, with the TAL that leads to it.

The objects follow the current profiles: resource certificates of RFC 6487 with the IP and AS resources of RFC
3779, signed objects of RFC 6488 (CMS SignedData of RFC 5652 with one EE certificate and the signed attributes
content type, message digest and signing time), manifests of RFC 9286, CRLs of RFC 5280, ROAs of RFC 9582, and
ASPAs of draft-ietf-sidrops-aspa-profile: eContent type id-ct-ASPA (1.2.840.113549.1.9.16.1.49), an
ASProviderAttestation of version 1 (explicitly tagged) with the customer AS and its providers as a sequence of AS
numbers, ascending, no address family. Keys are RSA 2048, signatures SHA-256 (RFC 7935).

Every file lives under ``rsync://rpki.test/repo/``::

    ta.cer                      the trust anchor, which the TAL names
    ta/ta.crl, ta/ta.mft        its CRL and manifest
    ta/ca.cer                   the CA it certifies (every IP address and AS number)
    ca/ca.crl, ca/ca.mft        the CA's CRL and manifest
    ca/AS64504-193-0-1-0-24-24.roa   a ROA: its AS, prefix and maxLength
    ca/AS64501.asa              an ASPA: its customer AS

``signed_repository(roas, aspas)`` makes one, ``signed_json(text)`` one holding the ROAs and ASPAs of validator
JSON (rpki-client's ``roas`` and ``aspas``, as routesec reads them); its ``files`` map rsync URIs to their contents and
``rpki_client_cache`` and ``fort_cache`` lay them out where rpki-client 9.5 (``-n``) and FORT 1.7 (offline) read
them. Nothing is fetched from anywhere.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ansible_collections.routesec.bgp.plugins.module_utils.rpki.aspa import aspas_from_json
from ansible_collections.routesec.bgp.plugins.module_utils.rpki.vrp import vrps_from_json
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID, SubjectInformationAccessOID

REPOSITORY = "rsync://rpki.test/repo/"
VALIDITY = datetime.timedelta(days=7)
# object identifiers
SIGNED_DATA = "1.2.840.113549.1.7.2"
CONTENT_TYPE, MESSAGE_DIGEST, SIGNING_TIME = "1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.5"
SHA256, RSA = "2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.1.1"
CT_MANIFEST, CT_ROA, CT_ASPA = "1.2.840.113549.1.9.16.1.26", "1.2.840.113549.1.9.16.1.24", "1.2.840.113549.1.9.16.1.49"
RPKI_POLICY = x509.ObjectIdentifier("1.3.6.1.5.5.7.14.2")  # id-cp-ipAddr-asNumber (RFC 6484)
IP_RESOURCES, AS_RESOURCES = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.7"), x509.ObjectIdentifier("1.3.6.1.5.5.7.1.8")
CA_REPOSITORY = SubjectInformationAccessOID.CA_REPOSITORY
RPKI_MANIFEST, SIGNED_OBJECT = (
    x509.ObjectIdentifier("1.3.6.1.5.5.7.48.10"),
    x509.ObjectIdentifier("1.3.6.1.5.5.7.48.11"),
)
AFI = {4: b"\x00\x01", 6: b"\x00\x02"}
EVERY_NETWORK = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
EVERY_AS = ((0, 2**32 - 1),)


# --- DER (X.690) -------------------------------------------------------------------------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: its tag octet, its length (short or long form), its content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def sequence(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def set_of(*items: bytes) -> bytes:
    """A SET OF: DER orders its elements by their encodings."""
    return tlv(0x31, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    return tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    content = b""
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        digits = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            digits.append(0x80 | (arc & 0x7F))
        content += bytes(reversed(digits))
    return tlv(0x06, content)


def octet_string(data: bytes) -> bytes:
    return tlv(0x04, data)


def bit_string(data: bytes, unused_bits: int = 0) -> bytes:
    return tlv(0x03, bytes([unused_bits]) + data)


def ia5_string(text: str) -> bytes:
    return tlv(0x16, text.encode("ascii"))


def generalized_time(moment: datetime.datetime) -> bytes:
    return tlv(0x18, moment.strftime("%Y%m%d%H%M%SZ").encode())


def utc_time(moment: datetime.datetime) -> bytes:
    return tlv(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())


def explicit(number: int, content: bytes) -> bytes:
    """A context-specific constructed tag [number] around ``content``."""
    return tlv(0xA0 | number, content)


NULL = b"\x05\x00"


def algorithm(dotted: str, parameters: bytes = b"") -> bytes:
    return sequence(oid(dotted), parameters)


# --- RFC 3779 resources ------------------------------------------------------------------------------------------


def prefix_bits(network) -> bytes:
    """An IP prefix as RFC 3779's BIT STRING: its ``prefixlen`` leading bits."""
    octets = (network.prefixlen + 7) // 8
    return bit_string(network.network_address.packed[:octets], 8 * octets - network.prefixlen)


def ip_resources(networks) -> bytes:
    """IPAddrBlocks holding ``networks`` (IPv4 before IPv6, each family's prefixes merged and ascending); ``None``:
    inherit both families."""
    if networks is None:
        return sequence(*(sequence(octet_string(AFI[version]), NULL) for version in (4, 6)))
    families = []
    for version in (4, 6):
        chosen = [network for network in networks if network.version == version]
        if chosen:
            prefixes = ipaddress.collapse_addresses(chosen)
            families.append(sequence(octet_string(AFI[version]), sequence(*map(prefix_bits, prefixes))))
    return sequence(*families)


def as_resources(ranges) -> bytes:
    """ASIdentifiers with the AS numbers of ``ranges`` ((first, last) pairs, ascending); ``None``: inherit."""
    if ranges is None:
        return sequence(explicit(0, NULL))
    items = [integer(first) if first == last else sequence(integer(first), integer(last)) for first, last in ranges]
    return sequence(explicit(0, sequence(*items)))


# --- certificates, CRLs, signed objects ---------------------------------------------------------------------------


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text, _type=_ASN1Type.PrintableString)])


def key_id(key) -> bytes:
    """The subject key identifier of private key ``key``: SHA-1 of its public key (RFC 6487)."""
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key()).digest


def folder_uri(ca_name: str) -> str:
    """The rsync URI of the folder CA ``ca_name`` publishes in."""
    return "%s%s/" % (REPOSITORY, ca_name)


@dataclass(frozen=True)
class Validity:
    """The period every certificate, CRL and manifest of a repository is valid in."""

    start: datetime.datetime
    end: datetime.datetime

    @classmethod
    def from_now(cls):
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        return cls(now - datetime.timedelta(hours=1), now + VALIDITY)


@dataclass(frozen=True)
class Authority:
    """A CA of the repository: ``name`` names its folder, CRL and manifest; its certificate is published at
    ``certificate_uri``."""

    name: str
    key: object
    certificate: x509.Certificate
    certificate_uri: str
    validity: Validity

    def uri(self, file_name: str) -> str:
        return folder_uri(self.name) + file_name

    @property
    def crl_uri(self) -> str:
        return self.uri(self.name + ".crl")

    def issued_extensions(self):
        """The extensions every certificate this CA issues has: its key identifier, where its certificate and its
        CRL are."""
        return [
            (x509.AuthorityKeyIdentifier(key_id(self.key), None, None), False),
            (
                x509.AuthorityInformationAccess(
                    [access(AuthorityInformationAccessOID.CA_ISSUERS, self.certificate_uri)]
                ),
                False,
            ),
            (
                x509.CRLDistributionPoints(
                    [x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_uri)], None, None, None)]
                ),
                False,
            ),
        ]

    def issue(self, public_key, subject: str, extensions) -> x509.Certificate:
        return certificate(public_key, subject, self.key, self.certificate.subject, extensions, self.validity)

    def crl(self) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(self.validity.start)
            .next_update(self.validity.end)
            .add_extension(x509.AuthorityKeyIdentifier(key_id(self.key), None, None), critical=False)
            .add_extension(x509.CRLNumber(1), critical=False)
        )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def access(method, uri: str) -> x509.AccessDescription:
    return x509.AccessDescription(method, x509.UniformResourceIdentifier(uri))


def certificate(public_key, subject: str, signer_key, issuer: x509.Name, extensions, validity) -> x509.Certificate:
    """A resource certificate: ``extensions`` are (extension, critical) pairs, to which it adds its key identifier
    and the RPKI certificate policy."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity.start)
        .not_valid_after(validity.end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.CertificatePolicies([x509.PolicyInformation(RPKI_POLICY, None)]), critical=True)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer_key, hashes.SHA256())


def ca_extensions(ca_name: str):
    """What the certificate of CA ``ca_name`` adds: its use, its folder and manifest, its resources (every IP
    address and AS number)."""
    folder = folder_uri(ca_name)
    places = [access(CA_REPOSITORY, folder), access(RPKI_MANIFEST, folder + ca_name + ".mft")]
    return [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
        (x509.SubjectInformationAccess(places), False),
        (x509.UnrecognizedExtension(IP_RESOURCES, ip_resources(EVERY_NETWORK)), True),
        (x509.UnrecognizedExtension(AS_RESOURCES, as_resources(EVERY_AS)), True),
    ]


def trust_anchor(validity: Validity) -> Authority:
    """The self-signed trust anchor ``ta``."""
    key = new_key()
    cert = certificate(
        key.public_key(), "routesec test TA", key, name("routesec test TA"), ca_extensions("ta"), validity
    )
    return Authority("ta", key, cert, REPOSITORY + "ta.cer", validity)


def child_ca(parent: Authority, child: str) -> Authority:
    """A CA certified by ``parent``, its certificate in ``parent``'s folder."""
    key = new_key()
    cert = parent.issue(key.public_key(), "routesec test " + child, parent.issued_extensions() + ca_extensions(child))
    return Authority(child, key, cert, parent.uri(child + ".cer"), parent.validity)


def signed_object(ca: Authority, file_name: str, content_type: str, econtent: bytes, resources) -> bytes:
    """An RFC 6488 signed object published by ``ca`` as ``file_name``: ``econtent`` signed with the key of a new EE
    certificate that holds ``resources`` (extension values, both critical)."""
    key = new_key()
    extensions = ca.issued_extensions() + [
        (x509.KeyUsage(True, False, False, False, False, False, False, False, False), True),
        (x509.SubjectInformationAccess([access(SIGNED_OBJECT, ca.uri(file_name))]), False),
        *((x509.UnrecognizedExtension(identifier, value), True) for identifier, value in resources),
    ]
    ee = ca.issue(key.public_key(), key_id(key).hex().upper(), extensions)
    attributes = signed_attributes(content_type, econtent, ca.validity.start)
    signature = key.sign(set_of(*attributes), padding.PKCS1v15(), hashes.SHA256())
    signer = sequence(
        integer(3),
        tlv(0x80, key_id(key)),  # sid: [0] subjectKeyIdentifier
        algorithm(SHA256),
        tlv(0xA0, b"".join(sorted(attributes))),  # signedAttrs: [0] IMPLICIT SET OF
        algorithm(RSA, NULL),
        octet_string(signature),
    )
    signed_data = sequence(
        integer(3),
        set_of(algorithm(SHA256)),
        sequence(oid(content_type), explicit(0, octet_string(econtent))),
        tlv(0xA0, ee.public_bytes(serialization.Encoding.DER)),  # certificates: [0] IMPLICIT SET OF
        set_of(signer),
    )
    return sequence(oid(SIGNED_DATA), explicit(0, signed_data))


def signed_attributes(content_type: str, econtent: bytes, when: datetime.datetime):
    """The content type, the message digest of ``econtent`` and the signing time, as CMS Attributes."""
    return [
        sequence(oid(CONTENT_TYPE), set_of(oid(content_type))),
        sequence(oid(MESSAGE_DIGEST), set_of(octet_string(hashlib.sha256(econtent).digest()))),
        sequence(oid(SIGNING_TIME), set_of(utc_time(when))),
    ]


# --- ROAs, ASPAs, manifests ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Roa:
    """A ROA of ``asn`` for one prefix and its maxLength."""

    asn: int
    prefix: str
    max_length: int

    @property
    def network(self):
        return ipaddress.ip_network(self.prefix)

    @property
    def file_name(self) -> str:
        """AS, prefix and maxLength, in the characters RFC 9286 allows in a name."""
        return "AS%d-%s-%d.roa" % (self.asn, re.sub(r"[^0-9a-fA-F]+", "-", str(self.network)), self.max_length)

    def econtent(self) -> bytes:
        """RouteOriginAttestation (RFC 9582): version 0 (left out), the AS, its prefix's family with the prefix,
        and maxLength only where it exceeds the prefix length."""
        family = sequence(octet_string(AFI[self.network.version]), sequence(roa_address(self.network, self.max_length)))
        return sequence(integer(self.asn), sequence(family))

    def signed(self, ca: Authority) -> bytes:
        resources = [(IP_RESOURCES, ip_resources([self.network]))]
        return signed_object(ca, self.file_name, CT_ROA, self.econtent(), resources)


def roa_address(network, max_length: int) -> bytes:
    return sequence(prefix_bits(network), integer(max_length) if max_length != network.prefixlen else b"")


@dataclass(frozen=True)
class Aspa:
    """An ASPA of ``customer`` naming ``providers``. ``signed_for`` is the AS the EE certificate holds (the customer
    unless a test says otherwise); ``bad_signature`` spoils the signature once the object is signed."""

    customer: int
    providers: tuple
    signed_for: int | None = None
    bad_signature: bool = False

    @property
    def file_name(self) -> str:
        return "AS%d.asa" % self.customer

    def econtent(self) -> bytes:
        """ASProviderAttestation: version [0] 1, customerASID, providers (ascending; AS 0 alone for none)."""
        providers = sequence(*(integer(provider) for provider in sorted(self.providers) or [0]))
        return sequence(explicit(0, integer(1)), integer(self.customer), providers)

    def signed(self, ca: Authority) -> bytes:
        holder = self.customer if self.signed_for is None else self.signed_for
        resources = [(AS_RESOURCES, as_resources(((holder, holder),)))]
        data = signed_object(ca, self.file_name, CT_ASPA, self.econtent(), resources)
        return data[:-1] + bytes([data[-1] ^ 0x01]) if self.bad_signature else data  # the last octet is the signature's


def manifest(ca: Authority, files: dict) -> bytes:
    """The RFC 9286 manifest of ``files`` ({file name: contents}) in ``ca``'s folder, number 1, valid as the CA's
    CRL is; its EE certificate inherits the CA's resources."""
    listed = [
        sequence(ia5_string(file), bit_string(hashlib.sha256(data).digest())) for file, data in sorted(files.items())
    ]
    econtent = sequence(
        integer(1),
        generalized_time(ca.validity.start),
        generalized_time(ca.validity.end),
        oid(SHA256),
        sequence(*listed),
    )
    inherit = [(IP_RESOURCES, ip_resources(None)), (AS_RESOURCES, as_resources(None))]
    return signed_object(ca, ca.name + ".mft", CT_MANIFEST, econtent, inherit)


def publication_point(ca: Authority, objects: dict) -> dict:
    """``ca``'s folder: ``objects`` ({file name: contents}), its CRL and the manifest of both; {rsync URI: contents}."""
    files = {**objects, ca.name + ".crl": ca.crl()}
    files[ca.name + ".mft"] = manifest(ca, files)
    return {ca.uri(file): data for file, data in files.items()}


# --- the repository ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repository:
    """The signed files ({rsync URI: contents}) and the TAL (RFC 8630) of their trust anchor."""

    files: dict
    tal: str

    def write(self, folder) -> None:
        """Each file at ``folder``/host/module/path."""
        for uri, data in self.files.items():
            path = Path(folder) / uri.removeprefix("rsync://")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def rpki_client_cache(self, cache_dir, tal_name: str) -> None:
        """The files where rpki-client 9.5 reads them in its cache (``-d cache_dir``): the repository at
        host/module/path, the trust anchor's certificate also at ta/``tal_name``/file name, where rpki-client keeps
        the certificate of the TAL ``tal_name``.tal."""
        self.write(cache_dir)
        anchor = self.tal.splitlines()[0]
        path = Path(cache_dir) / "ta" / tal_name / anchor.rsplit("/", 1)[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.files[anchor])

    def fort_cache(self, local_repository, tal_file: str, fort_version: str) -> None:
        """The files where FORT 1.7 reads an rsync repository offline: ``local-repository``/TAL file name/rsync/
        host/module/path, with the cache's metadata naming the FORT version (FORT clears a cache another version
        wrote)."""
        self.write(Path(local_repository) / tal_file / "rsync")
        (Path(local_repository) / "cache.json").write_text(json.dumps({"fort-version": fort_version}))


def signed_repository(roas=(), aspas=()) -> Repository:
    """The trust anchor, its CA ``ca``, and ``roas`` and ``aspas`` (Roa, Aspa) published by that CA."""
    validity = Validity.from_now()
    anchor = trust_anchor(validity)
    ca = child_ca(anchor, "ca")
    objects = {signed.file_name: signed.signed(ca) for signed in (*roas, *aspas)}
    files = {anchor.certificate_uri: anchor.certificate.public_bytes(serialization.Encoding.DER)}
    files.update(publication_point(anchor, {"ca.cer": ca.certificate.public_bytes(serialization.Encoding.DER)}))
    files.update(publication_point(ca, objects))
    return Repository(files, tal(anchor))


def tal(anchor: Authority) -> str:
    """The TAL of ``anchor``: its certificate's URI, an empty line, its public key (base64 DER
    SubjectPublicKeyInfo)."""
    public = anchor.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "%s\n\n%s\n" % (anchor.certificate_uri, base64.b64encode(public).decode())


def signed_json(text: str, *extra_aspas: Aspa) -> Repository:
    """The repository of the ROAs and ASPAs in validator JSON ``text``, read as routesec reads a validator's output,
    and of ``extra_aspas``."""
    roas = [Roa(vrp.asn, str(vrp.prefix), vrp.max_length) for vrp in vrps_from_json(text)]
    aspas = [Aspa(customer, tuple(providers)) for customer, providers in aspas_from_json(text).items()]
    return signed_repository(roas, aspas + list(extra_aspas))
