import NIOCore
import Testing

@testable import GRPC
@testable import HTTP2Transport

@Suite struct ReceivedHeadersLimitTests {
    private func append(_ headers: HTTP2ReceivedHeaders, _ name: String, _ value: String) {
        Array(name.utf8).withUnsafeBytes { nameBytes in
            Array(value.utf8).withUnsafeBytes { valueBytes in headers.append(name: nameBytes, value: valueBytes) }
        }
    }

    @Test func aBlockIsHeldOnlyUpToItsSizeLimitCountedAsRFC9113Does() {
        let headers = HTTP2ReceivedHeaders(sizeLimit: 1000)
        // Each field: 1 + 100 + 32 = 133 bytes; 7 fit in 1000, the 8th does not.
        for _ in 0..<7 { append(headers, "a", String(repeating: "v", count: 100)) }
        #expect(!headers.exceedsSizeLimit && headers.count == 7)
        for _ in 0..<100_000 { append(headers, "a", String(repeating: "v", count: 100)) }
        #expect(headers.exceedsSizeLimit)
        #expect(headers.count == 7, "nothing past the limit is kept")
        #expect(headers.capacity <= 1024)
    }

    @Test func theStorageOfALargeBlockIsGivenBack() {
        let headers = HTTP2ReceivedHeaders(sizeLimit: 1 << 20)
        for _ in 0..<100 { append(headers, "x-large", String(repeating: "v", count: 4000)) }
        #expect(headers.capacity >= 400_000)
        headers.removeAll()
        #expect(headers.capacity == HTTP2ReceivedHeaders.baseCapacity)
        append(headers, ":path", "/a.B/C")
        #expect(headers.list.map(\.value) == ["/a.B/C"])
    }
}

@Suite struct ConnectionAdmissionTests {
    @Test func capsConnectionsPerAddressAndPerProcess() {
        var admission = ConnectionAdmission(maxConnections: 3, maxConnectionsPerAddress: 2)
        #expect(admission.admit(address: "10.0.0.1") == nil)
        #expect(admission.admit(address: "10.0.0.1") == nil)
        #expect(admission.admit(address: "10.0.0.1") == .address)
        #expect(admission.admit(address: "10.0.0.2") == nil)
        #expect(admission.admit(address: "10.0.0.3") == .process)
        #expect(admission.openConnections == 3)
        admission.release(address: "10.0.0.1")
        #expect(admission.openConnections(from: "10.0.0.1") == 1)
        #expect(admission.admit(address: "10.0.0.3") == nil)
        // Releasing an address that holds nothing changes nothing.
        admission.release(address: "10.9.9.9")
        #expect(admission.openConnections == 3)
    }
}
