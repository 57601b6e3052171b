#!/usr/bin/env python3
"""Generates Swift bindings over protoc-c's C code.

Input: a FileDescriptorSet (`protoc-c --include_imports --descriptor_set_out=…`).
Output, for every .proto file:
  - Sources/CourtsideProto/Generated/<file>.pb.swift: the messages, which need no RPC stack: a
    Swift struct per message, a RawRepresentable struct per enum, conversions to and from the
    protobuf-c C structs, and encoding and decoding through protobuf-c;
  - Sources/CourtsideRPC/Generated/<file>.rpc.swift: what gRPC needs of them: the `GRPCMessage`
    conformances, and for every service a handler protocol, its method descriptors and a typed
    async client;
  - Sources/CCourtsideProtos/include/courtside_descriptors.h: accessors that give Swift the
    address of each protobuf-c message descriptor (Swift cannot take the address of an imported
    `extern const` object reliably).

The C structs and functions follow protoc-c 1.4's naming rules, which this script restates.
"""

import os
import re
import sys

from google.protobuf import descriptor_pb2

FD = descriptor_pb2.FieldDescriptorProto

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
    "init", "inout", "internal", "let", "open", "operator", "private", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat",
    "return", "switch", "where", "while", "as", "Any", "catch", "false", "is", "nil", "super",
    "self", "Self", "throw", "throws", "true", "try", "Type", "some", "any",
}

SCALARS = {
    # proto type: (Swift type, default literal)
    FD.TYPE_DOUBLE: ("Double", "0"),
    FD.TYPE_FLOAT: ("Float", "0"),
    FD.TYPE_INT64: ("Int64", "0"),
    FD.TYPE_UINT64: ("UInt64", "0"),
    FD.TYPE_INT32: ("Int32", "0"),
    FD.TYPE_FIXED64: ("UInt64", "0"),
    FD.TYPE_FIXED32: ("UInt32", "0"),
    FD.TYPE_BOOL: ("Bool", "false"),
    FD.TYPE_STRING: ("String", '""'),
    FD.TYPE_BYTES: ("[UInt8]", "[]"),
    FD.TYPE_UINT32: ("UInt32", "0"),
    FD.TYPE_SFIXED32: ("Int32", "0"),
    FD.TYPE_SFIXED64: ("Int64", "0"),
    FD.TYPE_SINT32: ("Int32", "0"),
    FD.TYPE_SINT64: ("Int64", "0"),
}


def camel_to_lower(name):
    """protoc-c's CamelToLower: 'GetSnapshotsRequest' -> 'get_snapshots_request'."""
    out = []
    was_upper = True
    for i, ch in enumerate(name):
        if ch.isupper():
            if not was_upper and i > 0:
                out.append("_")
            out.append(ch.lower())
            was_upper = True
        else:
            out.append(ch)
            was_upper = False
    return "".join(out)


def c_type_name(full_name):
    """'courtside.v1.StreamItem' -> 'Courtside__V1__StreamItem'."""
    return "__".join(part[:1].upper() + part[1:] for part in full_name.split("."))


def c_func_prefix(package, names):
    """('courtside.v1', ['StreamItem']) -> 'courtside__v1__stream_item'."""
    parts = [p.lower() for p in package.split(".")] if package else []
    parts += [camel_to_lower(n) for n in names]
    return "__".join(parts)


def lower_camel(snake):
    parts = snake.split("_")
    first = parts[0]
    rest = "".join(p[:1].upper() + p[1:] for p in parts[1:])
    name = first + rest
    return name


def upper_camel(snake):
    return "".join(p[:1].upper() + p[1:] for p in snake.split("_"))


def escape(name):
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


def enum_case_name(enum_name, value_name):
    prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", enum_name).upper() + "_"
    v = value_name
    if v.startswith(prefix) and len(v) > len(prefix):
        v = v[len(prefix):]
    parts = v.lower().split("_")
    name = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    if name[:1].isdigit():
        name = "_" + name
    return escape(name)


class Registry:
    """Every message and enum of every file, by fully-qualified proto name."""

    def __init__(self, fds):
        self.messages = {}  # ".pkg.Name" -> info
        self.enums = {}
        self.swift_names = {}
        for f in fds.file:
            for m in f.message_type:
                self._add_message(f, m, [])
            for e in f.enum_type:
                self._add_enum(f, e, [])

    def _claim(self, swift_name, full):
        if swift_name in self.swift_names and self.swift_names[swift_name] != full:
            sys.exit(f"protoc_swift: Swift name {swift_name} used by {full} and "
                     f"{self.swift_names[swift_name]}")
        self.swift_names[swift_name] = full

    def _add_message(self, f, m, outer):
        names = outer + [m.name]
        full = "." + ".".join(([f.package] if f.package else []) + names)
        swift = ".".join(names)
        self._claim(swift, full)
        self.messages[full] = {
            "proto": m,
            "file": f.name,
            "swift": swift,
            "c_type": c_type_name(full[1:]),
            "c_prefix": c_func_prefix(f.package, names),
            "names": names,
        }
        for nested in m.nested_type:
            if nested.options.map_entry:
                sys.exit(f"protoc_swift: map fields are not supported ({full}.{nested.name})")
            self._add_message(f, nested, names)
        for e in m.enum_type:
            self._add_enum(f, e, names)

    def _add_enum(self, f, e, outer):
        names = outer + [e.name]
        full = "." + ".".join(([f.package] if f.package else []) + names)
        swift = ".".join(names)
        self._claim(swift, full)
        self.enums[full] = {
            "proto": e,
            "file": f.name,
            "swift": swift,
            "c_type": c_type_name(full[1:]),
            "names": names,
        }

    def recursive_edges(self):
        """Message fields whose type can contain the field's own message (need boxing)."""
        graph = {}
        for full, info in self.messages.items():
            graph[full] = [fl.type_name for fl in info["proto"].field
                           if fl.type == FD.TYPE_MESSAGE]

        def reaches(start, target):
            seen, stack = set(), [start]
            while stack:
                n = stack.pop()
                if n == target:
                    return True
                if n in seen:
                    continue
                seen.add(n)
                stack.extend(graph.get(n, []))
            return False

        boxed = set()
        for full, info in self.messages.items():
            for fl in info["proto"].field:
                if fl.type == FD.TYPE_MESSAGE and reaches(fl.type_name, full):
                    boxed.add((full, fl.name))
        return boxed


class Writer:
    def __init__(self):
        self.lines = []
        self.level = 0

    def __call__(self, line=""):
        self.lines.append(("    " * self.level + line) if line else "")

    def indent(self):
        self.level += 1

    def dedent(self):
        self.level -= 1

    def text(self):
        return "\n".join(self.lines) + "\n"


def comment_for(f, path):
    for loc in f.source_code_info.location:
        if list(loc.path) == path and loc.leading_comments:
            return [l.rstrip() for l in loc.leading_comments.rstrip("\n").split("\n")]
    return []


class FileGenerator:
    def __init__(self, registry, f, boxed):
        self.reg = registry
        self.f = f
        self.boxed = boxed
        self.w = Writer()

    # Field helpers -------------------------------------------------------------------------

    def field_swift_type(self, fl):
        if fl.type == FD.TYPE_MESSAGE:
            return self.reg.messages[fl.type_name]["swift"]
        if fl.type == FD.TYPE_ENUM:
            return self.reg.enums[fl.type_name]["swift"]
        if fl.type in SCALARS:
            return SCALARS[fl.type][0]
        sys.exit(f"protoc_swift: unsupported field type {fl.type} ({fl.name})")

    def field_default(self, fl):
        if fl.type == FD.TYPE_ENUM:
            enum = self.reg.enums[fl.type_name]
            return f"{enum['swift']}(rawValue: 0)"
        return SCALARS[fl.type][1]

    # Generation -----------------------------------------------------------------------------

    def generate_messages(self):
        w = self.w
        w("// DO NOT EDIT. Generated by scripts/protoc_swift.py from " + self.f.name + ".")
        w("// Regenerate with scripts/generate-proto.")
        w()
        w("package import CCourtsideProtos")
        w("public import NIOCore")
        w("package import ProtobufC")
        w()
        for i, e in enumerate(self.f.enum_type):
            self.gen_enum(e, [], [5, i])
        for i, m in enumerate(self.f.message_type):
            self.gen_message(m, [], [4, i])
        return w.text()

    def generate_rpc(self):
        w = self.w
        w("// DO NOT EDIT. Generated by scripts/protoc_swift.py from " + self.f.name + ".")
        w("// Regenerate with scripts/generate-proto.")
        w()
        w("public import CourtsideProto")
        if self.f.service:
            w("public import GRPC")
        w("public import GRPCWire")
        w()
        # The messages already encode and decode themselves (CourtsideProto); here they become
        # what the gRPC layer sends and receives.
        for full, info in self.reg.messages.items():
            if info["file"] == self.f.name:
                w(f"extension {info['swift']}: GRPCMessage {{}}")
        w()
        for i, s in enumerate(self.f.service):
            self.gen_service(s, [6, i])
        return w.text().rstrip("\n") + "\n"

    def doc(self, path):
        for line in comment_for(self.f, path):
            self.w("///" + (" " + line.strip() if line.strip() else ""))

    def gen_enum(self, e, outer, path):
        w = self.w
        names = outer + [e.name]
        swift = ".".join(names)
        self.doc(path)
        w(f"public struct {e.name}: RawRepresentable, Hashable, Sendable, CustomStringConvertible {{")
        w.indent()
        w("public var rawValue: Int32")
        w()
        w("public init(rawValue: Int32) {")
        w("    self.rawValue = rawValue")
        w("}")
        w()
        cases = []
        for i, v in enumerate(e.value):
            case = enum_case_name(e.name, v.name)
            cases.append((case, v))
            self.doc(path + [2, i])
            w(f"public static let {case} = {e.name}(rawValue: {v.number})")
        w()
        w("/// Every value this version of the schema defines.")
        w(f"public static let allDefined: [{e.name}] = [{', '.join('.' + c for c, _ in cases)}]")
        w()
        w("/// The value's name in the .proto file, or nil for a value this schema does not define.")
        w("public var protoName: String? {")
        w("    switch rawValue {")
        seen = set()
        for case, v in cases:
            if v.number in seen:
                continue
            seen.add(v.number)
            w(f'    case {v.number}: "{v.name}"')
        w("    default: nil")
        w("    }")
        w("}")
        w()
        w("public var description: String { protoName ?? \"\\(rawValue)\" }")
        w.dedent()
        w("}")
        w()

    def is_boxed(self, info, fl):
        return (("." + ".".join(([self.f.package] if self.f.package else []) + info["names"])),
                fl.name) in self.boxed

    def gen_message(self, m, outer, path):
        w = self.w
        names = outer + [m.name]
        full = "." + ".".join(([self.f.package] if self.f.package else []) + names)
        info = self.reg.messages[full]
        c_type = info["c_type"]
        prefix = info["c_prefix"]

        oneofs = {}  # index -> [fields]
        for fl in m.field:
            if fl.HasField("oneof_index") and not fl.proto3_optional:
                oneofs.setdefault(fl.oneof_index, []).append(fl)
            if fl.proto3_optional:
                sys.exit(f"protoc_swift: proto3 optional is not supported ({full}.{fl.name})")

        self.doc(path)
        w(f"public struct {m.name}: Hashable, Sendable {{")
        w.indent()

        plain = [fl for fl in m.field if not fl.HasField("oneof_index")]
        for fl in plain:
            idx = list(m.field).index(fl)
            self.doc(path + [2, idx])
            name = escape(lower_camel(fl.name))
            t = self.field_swift_type(fl)
            if fl.label == FD.LABEL_REPEATED:
                w(f"public var {name}: [{t}] = []")
            elif fl.type == FD.TYPE_MESSAGE:
                if self.is_boxed(info, fl):
                    w(f"public var {name}: {t}? {{")
                    w(f"    get {{ _{lower_camel(fl.name)}?.value }}")
                    w(f"    set {{ _{lower_camel(fl.name)} = newValue.map {{ ProtoBox($0) }} }}")
                    w("}")
                    w(f"private var _{lower_camel(fl.name)}: ProtoBox<{t}>? = nil")
                else:
                    w(f"public var {name}: {t}? = nil")
            else:
                w(f"public var {name}: {t} = {self.field_default(fl)}")

        for oi, fields in sorted(oneofs.items()):
            oneof = m.oneof_decl[oi]
            enum_name = upper_camel(oneof.name)
            indirect = "indirect " if any(self.is_boxed(info, fl) for fl in fields) else ""
            w()
            w(f"public {indirect}enum {enum_name}: Hashable, Sendable {{")
            for fl in fields:
                idx = list(m.field).index(fl)
                self.doc(path + [2, idx])
                w(f"    case {escape(lower_camel(fl.name))}({self.field_swift_type(fl)})")
            w("}")
            w()
            w(f"public var {escape(lower_camel(oneof.name))}: {enum_name}? = nil")

        # Memberwise initialiser with defaults.
        params = []
        assigns = []
        for fl in plain:
            name = lower_camel(fl.name)
            t = self.field_swift_type(fl)
            if fl.label == FD.LABEL_REPEATED:
                params.append(f"{name}: [{t}] = []")
            elif fl.type == FD.TYPE_MESSAGE:
                params.append(f"{name}: {t}? = nil")
            else:
                params.append(f"{name}: {t} = {self.field_default(fl)}")
            assigns.append(f"self.{escape(name)} = {escape(name)}")
        for oi in sorted(oneofs):
            oneof = m.oneof_decl[oi]
            params.append(f"{lower_camel(oneof.name)}: {upper_camel(oneof.name)}? = nil")
            assigns.append(f"self.{escape(lower_camel(oneof.name))} = {escape(lower_camel(oneof.name))}")
        w()
        if params:
            w("@inlinable public init(")
            for i, p in enumerate(params):
                w("    " + p + ("," if i < len(params) - 1 else ""))
            w(") {")
            for a in assigns:
                w("    " + a)
            w("}")
        else:
            w("public init() {}")

        for i, e in enumerate(m.enum_type):
            w()
            self.gen_enum(e, names, path + [4, i])
            self.w.lines.pop()  # trailing blank line
        for i, nested in enumerate(m.nested_type):
            w()
            self.gen_message(nested, names, path + [3, i])
            self.w.lines.pop()
        w.dedent()
        w("}")
        w()

        swift = info["swift"]
        # C conversion ------------------------------------------------------------------------
        w(f"extension {swift}: ProtobufCConvertible {{")
        w.indent()
        w(f"package typealias CMessage = {c_type}")
        w()
        w("package static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> {")
        w(f"    {prefix}__descriptor_ptr()")
        w("}")
        w()
        w(f"package static func cUnpack(_ length: Int, _ bytes: UnsafePointer<UInt8>) -> UnsafeMutablePointer<{c_type}>? {{")
        w(f"    {prefix}__unpack(nil, length, bytes)")
        w("}")
        w()
        w(f"package static func cFree(_ message: UnsafeMutablePointer<{c_type}>) {{")
        w(f"    {prefix}__free_unpacked(message, nil)")
        w("}")
        w()
        w(f"package static func cPackedSize(_ message: UnsafePointer<{c_type}>) -> Int {{")
        w(f"    {prefix}__get_packed_size(message)")
        w("}")
        w()
        w(f"package static func cPack(_ message: UnsafePointer<{c_type}>, _ out: UnsafeMutablePointer<UInt8>) -> Int {{")
        w(f"    {prefix}__pack(message, out)")
        w("}")
        w()
        # init from C
        w(f"package init(cMessage c: UnsafePointer<{c_type}>) {{")
        w.indent()
        w("self.init()")
        used_c = False
        for fl in plain:
            used_c = True
            self.gen_read_field(info, fl, "self." + escape(lower_camel(fl.name)))
        for oi, fields in sorted(oneofs.items()):
            used_c = True
            oneof = m.oneof_decl[oi]
            w(f"switch Int(c.pointee.{oneof.name}_case.rawValue) {{")
            for fl in fields:
                w(f"case {fl.number}:")
                w.indent()
                case = escape(lower_camel(fl.name))
                if fl.type == FD.TYPE_MESSAGE:
                    w(f"if let value = c.pointee.{fl.name} {{")
                    w(f"    self.{escape(lower_camel(oneof.name))} = .{case}({self.reg.messages[fl.type_name]['swift']}(cMessage: value))")
                    w("}")
                else:
                    expr = self.read_single_expr(fl, f"c.pointee.{fl.name}")
                    w(f"self.{escape(lower_camel(oneof.name))} = .{case}({expr})")
                w.dedent()
            w("default:")
            w(f"    self.{escape(lower_camel(oneof.name))} = nil")
            w("}")
        if not used_c:
            w("_ = c")
        w.dedent()
        w("}")
        w()
        # fill C
        w(f"package func fill(_ c: UnsafeMutablePointer<{c_type}>, arena: ProtobufCArena) {{")
        w.indent()
        w(f"{prefix}__init(c)")
        used_arena = False
        for fl in plain:
            used_arena |= self.gen_write_field(info, fl, escape(lower_camel(fl.name)))
        for oi, fields in sorted(oneofs.items()):
            oneof = m.oneof_decl[oi]
            w(f"switch self.{escape(lower_camel(oneof.name))} {{")
            for fl in fields:
                case = escape(lower_camel(fl.name))
                w(f"case .{case}(let value):")
                w.indent()
                if fl.type == FD.TYPE_MESSAGE:
                    sub = self.reg.messages[fl.type_name]
                    w(f"let sub = arena.allocate({sub['c_type']}.self)")
                    w("value.fill(sub, arena: arena)")
                    w(f"c.pointee.{fl.name} = sub")
                    used_arena = True
                else:
                    used_arena |= self.write_single(fl, f"c.pointee.{fl.name}", "value")
                w(f"c.pointee.{oneof.name}_case = .init(rawValue: {fl.number})")
                w.dedent()
            w("case nil:")
            w("    break")
            w("}")
        if not used_arena:
            w("_ = arena")
        w.dedent()
        w("}")
        w.dedent()
        w("}")
        w()
        w(f"extension {swift} {{")
        w("    /// Decodes a message from its serialized bytes; throws if they are malformed.")
        w("    public init(serializedBytes bytes: UnsafeRawBufferPointer) throws {")
        w("        self = try ProtobufCCodec.decode(Self.self, from: bytes)")
        w("    }")
        w()
        w("    /// Appends the serialized message to `buffer`.")
        w("    public func serialize(into buffer: inout ByteBuffer) {")
        w("        ProtobufCCodec.encode(self, into: &buffer)")
        w("    }")
        w("}")
        w()

    def read_single_expr(self, fl, c_expr):
        t = fl.type
        if t == FD.TYPE_STRING:
            return f"ProtobufCRuntime.string({c_expr})"
        if t == FD.TYPE_BYTES:
            return f"ProtobufCRuntime.bytes({c_expr})"
        if t == FD.TYPE_BOOL:
            return f"({c_expr} != 0)"
        if t == FD.TYPE_ENUM:
            enum = self.reg.enums[fl.type_name]
            return f"{enum['swift']}(rawValue: Int32(truncatingIfNeeded: {c_expr}.rawValue))"
        if t == FD.TYPE_MESSAGE:
            raise AssertionError("messages are read separately")
        return c_expr

    def gen_read_field(self, info, fl, target):
        w = self.w
        c = f"c.pointee.{fl.name}"
        if fl.label == FD.LABEL_REPEATED:
            n = f"c.pointee.n_{fl.name}"
            if fl.type == FD.TYPE_MESSAGE:
                sub = self.reg.messages[fl.type_name]["swift"]
                w(f"{target} = ProtobufCRuntime.messages({c}, count: {n}, as: {sub}.self)")
            elif fl.type == FD.TYPE_STRING:
                w(f"{target} = ProtobufCRuntime.strings({c}, count: {n})")
            elif fl.type == FD.TYPE_BYTES:
                w(f"{target} = ProtobufCRuntime.byteArrays({c}, count: {n})")
            elif fl.type == FD.TYPE_ENUM:
                enum = self.reg.enums[fl.type_name]["swift"]
                w(f"{target} = ProtobufCRuntime.scalars({c}, count: {n}).map {{ {enum}(rawValue: Int32(truncatingIfNeeded: $0.rawValue)) }}")
            elif fl.type == FD.TYPE_BOOL:
                w(f"{target} = ProtobufCRuntime.scalars({c}, count: {n}).map {{ $0 != 0 }}")
            else:
                w(f"{target} = ProtobufCRuntime.scalars({c}, count: {n})")
            return
        if fl.type == FD.TYPE_MESSAGE:
            sub = self.reg.messages[fl.type_name]["swift"]
            w(f"if let value = {c} {{")
            w(f"    {target} = {sub}(cMessage: value)")
            w("}")
            return
        w(f"{target} = {self.read_single_expr(fl, c)}")

    def write_single(self, fl, c_target, value):
        """Writes one non-message value; returns True when the arena is used."""
        w = self.w
        t = fl.type
        if t == FD.TYPE_STRING:
            w(f"{c_target} = arena.string({value})")
            return True
        if t == FD.TYPE_BYTES:
            w(f"{c_target} = arena.binary({value})")
            return True
        if t == FD.TYPE_BOOL:
            w(f"{c_target} = {value} ? 1 : 0")
            return False
        if t == FD.TYPE_ENUM:
            w(f"{c_target} = .init(rawValue: .init(truncatingIfNeeded: {value}.rawValue))")
            return False
        w(f"{c_target} = {value}")
        return False

    def gen_write_field(self, info, fl, name):
        w = self.w
        c = f"c.pointee.{fl.name}"
        if fl.label == FD.LABEL_REPEATED:
            n = f"c.pointee.n_{fl.name}"
            w(f"if !self.{name}.isEmpty {{")
            w.indent()
            w(f"{n} = self.{name}.count")
            if fl.type == FD.TYPE_MESSAGE:
                sub = self.reg.messages[fl.type_name]
                w(f"{c} = arena.messages(self.{name}, as: {sub['c_type']}.self)")
            elif fl.type == FD.TYPE_STRING:
                w(f"{c} = arena.strings(self.{name})")
            elif fl.type == FD.TYPE_BYTES:
                w(f"{c} = arena.binaries(self.{name})")
            elif fl.type == FD.TYPE_ENUM:
                w(f"{c} = arena.array(self.{name}.map {{ .init(rawValue: .init(truncatingIfNeeded: $0.rawValue)) }})")
            elif fl.type == FD.TYPE_BOOL:
                w(f"{c} = arena.array(self.{name}.map {{ $0 ? 1 : 0 }})")
            else:
                w(f"{c} = arena.array(self.{name})")
            w.dedent()
            w("}")
            return True
        if fl.type == FD.TYPE_MESSAGE:
            sub = self.reg.messages[fl.type_name]
            w(f"if let value = self.{name} {{")
            w(f"    let sub = arena.allocate({sub['c_type']}.self)")
            w("    value.fill(sub, arena: arena)")
            w(f"    {c} = sub")
            w("}")
            return True
        return self.write_single(fl, c, f"self.{name}")

    # Services -------------------------------------------------------------------------------

    def gen_service(self, s, path):
        w = self.w
        full_service = (self.f.package + "." if self.f.package else "") + s.name
        kinds = []
        for mth in s.method:
            req = self.reg.messages[mth.input_type]["swift"]
            res = self.reg.messages[mth.output_type]["swift"]
            if mth.client_streaming and mth.server_streaming:
                kind = "bidi"
            elif mth.client_streaming:
                kind = "client"
            elif mth.server_streaming:
                kind = "server"
            else:
                kind = "unary"
            kinds.append((mth, lower_camel(camel_to_lower(mth.name)), req, res, kind))

        w(f"/// Method descriptors of `{full_service}`.")
        w(f"public enum {s.name}Methods {{")
        w(f'    public static let serviceName = "{full_service}"')
        for mth, fname, req, res, kind in kinds:
            w(f'    public static let {fname} = MethodDescriptor(service: serviceName, method: "{mth.name}")')
        w(f"    public static let all: [MethodDescriptor] = [{', '.join(k[1] for k in kinds)}]")
        w("}")
        w()
        self.doc(path)
        w(f"public protocol {s.name}Handler: RPCService {{")
        w.indent()
        for i, (mth, fname, req, res, kind) in enumerate(kinds):
            self.doc(path + [2, i])
            if kind == "unary":
                w(f"func {fname}(request: {req}, context: ServerContext) async throws -> {res}")
            elif kind == "server":
                w(f"func {fname}(request: {req}, response: RPCWriter<{res}>, context: ServerContext) async throws")
            elif kind == "client":
                w(f"func {fname}(requests: RPCRequestStream<{req}>, context: ServerContext) async throws -> {res}")
            else:
                w(f"func {fname}(requests: RPCRequestStream<{req}>, response: RPCWriter<{res}>, context: ServerContext) async throws")
        w.dedent()
        w("}")
        w()
        w(f"extension {s.name}Handler {{")
        w.indent()
        w(f'public var serviceNames: [String] {{ ["{full_service}"] }}')
        w()
        w("public func registerMethods(with router: inout RPCRouter) {")
        w.indent()
        for mth, fname, req, res, kind in kinds:
            d = f"{s.name}Methods.{fname}"
            if kind == "unary":
                w(f"router.registerUnary({d}, request: {req}.self, response: {res}.self) {{ request, context in")
                w(f"    try await self.{fname}(request: request, context: context)")
            elif kind == "server":
                w(f"router.registerServerStreaming({d}, request: {req}.self, response: {res}.self) {{ request, response, context in")
                w(f"    try await self.{fname}(request: request, response: response, context: context)")
            elif kind == "client":
                w(f"router.registerClientStreaming({d}, request: {req}.self, response: {res}.self) {{ requests, context in")
                w(f"    try await self.{fname}(requests: requests, context: context)")
            else:
                w(f"router.registerBidirectionalStreaming({d}, request: {req}.self, response: {res}.self) {{ requests, response, context in")
                w(f"    try await self.{fname}(requests: requests, response: response, context: context)")
            w("}")
        w.dedent()
        w("}")
        w.dedent()
        w("}")
        w()
        w(f"/// A typed client of `{full_service}`.")
        w(f"public struct {s.name}Client: Sendable {{")
        w.indent()
        w("public let client: GRPCClient")
        w()
        w("public init(_ client: GRPCClient) {")
        w("    self.client = client")
        w("}")
        for i, (mth, fname, req, res, kind) in enumerate(kinds):
            w()
            self.doc(path + [2, i])
            d = f"{s.name}Methods.{fname}"
            if kind == "unary":
                w(f"public func {fname}(_ request: {req}, options: CallOptions = CallOptions()) async throws -> {res} {{")
                w(f"    try await client.unary({d}, request: request, options: options)")
                w("}")
            elif kind == "server":
                w(f"public func {fname}<Result: Sendable>(")
                w(f"    _ request: {req},")
                w("    options: CallOptions = CallOptions(),")
                w(f"    onResponse handleResponse: (RPCResponseStream<{res}>) async throws -> Result")
                w(") async throws -> Result {")
                w(f"    try await client.serverStreaming({d}, request: request, options: options, onResponse: handleResponse)")
                w("}")
            elif kind == "client":
                w(f"public func {fname}(")
                w("    options: CallOptions = CallOptions(),")
                w(f"    requestProducer: @escaping @Sendable (RPCWriter<{req}>) async throws -> Void")
                w(f") async throws -> {res} {{")
                w(f"    try await client.clientStreaming({d}, options: options, requestProducer: requestProducer)")
                w("}")
            else:
                w(f"public func {fname}<Result: Sendable>(")
                w("    options: CallOptions = CallOptions(),")
                w(f"    requestProducer: @escaping @Sendable (RPCWriter<{req}>) async throws -> Void,")
                w(f"    onResponse handleResponse: (RPCResponseStream<{res}>) async throws -> Result")
                w(") async throws -> Result {")
                w(f"    try await client.bidirectionalStreaming({d}, options: options, requestProducer: requestProducer, onResponse: handleResponse)")
                w("}")
        w.dedent()
        w("}")
        w()


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: protoc_swift.py DESCRIPTOR_SET MESSAGES_OUT_DIR RPC_OUT_DIR C_INCLUDE_DIR")
    ds_path, swift_out, rpc_out, c_include = sys.argv[1:]
    fds = descriptor_pb2.FileDescriptorSet()
    with open(ds_path, "rb") as fh:
        fds.ParseFromString(fh.read())
    registry = Registry(fds)
    boxed = registry.recursive_edges()
    os.makedirs(swift_out, exist_ok=True)
    os.makedirs(rpc_out, exist_ok=True)
    for f in fds.file:
        if f.syntax != "proto3":
            sys.exit(f"protoc_swift: {f.name} is not proto3")
        stem = f.name.replace("/", "_").replace(".proto", "")
        with open(os.path.join(swift_out, stem + ".pb.swift"), "w") as fh:
            fh.write(FileGenerator(registry, f, boxed).generate_messages())
        with open(os.path.join(rpc_out, stem + ".rpc.swift"), "w") as fh:
            fh.write(FileGenerator(registry, f, boxed).generate_rpc())

    lines = [
        "// DO NOT EDIT. Generated by scripts/protoc_swift.py; regenerate with scripts/generate-proto.",
        "// Swift cannot reliably take the address of an imported `extern const` object, so each",
        "// protobuf-c message descriptor is reached through an accessor.",
        "#ifndef COURTSIDE_DESCRIPTORS_H",
        "#define COURTSIDE_DESCRIPTORS_H",
        "",
    ]
    for f in fds.file:
        header = f.name.replace(".proto", ".pb-c.h")
        lines.append(f'#include "{header}"')
    lines.append("")
    for full, info in sorted(registry.messages.items()):
        p = info["c_prefix"]
        lines.append(f"static inline const ProtobufCMessageDescriptor *{p}__descriptor_ptr(void) {{")
        lines.append(f"    return &{p}__descriptor;")
        lines.append("}")
    lines.append("")
    lines.append("#endif")
    with open(os.path.join(c_include, "courtside_descriptors.h"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
