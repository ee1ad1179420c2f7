import Foundation
import Models
import NIOHTTP1
import Testing
import TestSupport

@testable import PropertiesService

/// Documents: versions under one name, who reads them, shares that expire and can be revoked,
/// signature requests answered by their signer; and the metadata records for videos and tours.
@Suite struct DocumentTests {
    @Test func uploadingUnderTheSameNameAddsAVersionAndKeepsThePrevious() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let path = "/v1/properties/\(id)/documents?name=Offering%20Memorandum&type=presentation&category=investment&visibility=investors"
            let first = try await media.raw.upload(path + "&file_name=memo.pdf", MediaSamples.pdf("v1"), contentType: "application/pdf", token: sponsor)
            #expect(first.status == 201, "\(first.text)")
            #expect(first["version"] == 1)
            #expect(first["parent_document_id"] == .null)
            #expect(first.string("file_type") == "application/pdf")
            #expect(first.string("file_hash") == MediaSamples.sha256(MediaSamples.pdf("v1")))
            let firstID = try #require(first.string("id"))
            // Same name in other letter case: version 2; settings not given carry over.
            let second = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=offering%20memorandum", MediaSamples.pdf("v2"), token: sponsor
            )
            #expect(second.status == 201, "\(second.text)")
            #expect(second["version"] == 2)
            #expect(second.string("parent_document_id") == firstID)
            #expect(second.string("visibility") == "investors")
            #expect(second.string("type") == "presentation")
            let secondID = try #require(second.string("id"))

            let versions = try await media.base.client.get("/v1/documents/\(secondID)/versions", token: sponsor)
            guard case .array(let all)? = versions["data"] else { throw Failure("no versions") }
            #expect(all.map { $0["version"] } == [1, 2])
            #expect(all.map { $0["is_latest_version"] } == [false, true])
            // The list shows the latest version of each document; both versions still download.
            let list = try await media.base.client.get("/v1/properties/\(id)/documents", token: try await media.base.token(.investor))
            guard case .array(let latest)? = list["data"] else { throw Failure("no list") }
            #expect(latest.map { $0["id"] } == [.string(secondID)])
            let old = try await media.raw.get("/v1/media/documents/\(firstID)", token: sponsor)
            #expect(old.bytes == MediaSamples.pdf("v1"))
            #expect(old.headers.first(name: "Content-Disposition") == "attachment; filename=\"memo.pdf\"")
            #expect(try await media.base.events().filter { $0.hasPrefix("media.") } == ["media.document_version_added", "media.document_version_added"])
            // Anonymous callers see no investors-only documents; a lying PDF is refused.
            #expect(try await media.raw.get("/v1/media/documents/\(secondID)").status == 404)
            let lie = try await media.raw.upload("/v1/properties/\(id)/documents?name=x", MediaSamples.png(width: 1, height: 1), contentType: "application/pdf", token: sponsor)
            #expect(lie.status == 415)
            #expect(try await media.raw.upload("/v1/properties/\(id)/documents", MediaSamples.pdf("x"), token: sponsor).status == 422)
            #expect(try await media.raw.upload("/v1/properties/\(id)/documents?name=x", MediaSamples.pdf("x"), token: try await media.base.token(.investor)).status == 403)
        }
    }

    /// Issue 11 #10: reading one version listed every version, whatever each one's visibility.
    @Test func theVersionListShowsOnlyTheVersionsTheCallerMayRead() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let draft = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=Rent%20Roll&visibility=private", MediaSamples.pdf("draft"), token: sponsor
            )
            let draftID = try #require(draft.string("id"))
            let published = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=Rent%20Roll&visibility=public", MediaSamples.pdf("final"), token: sponsor
            )
            let publishedID = try #require(published.string("id"))
            #expect(published["version"] == 2)

            // Anyone may read version 2; version 1 stays the sponsor's.
            let anonymous = try await media.base.client.get("/v1/documents/\(publishedID)/versions")
            #expect(anonymous.status == 200, "\(anonymous.text)")
            guard case .array(let anyone)? = anonymous["data"] else { throw Failure("no versions") }
            #expect(anyone.map { $0["id"] } == [.string(publishedID)])
            let own = try await media.base.client.get("/v1/documents/\(publishedID)/versions", token: sponsor)
            guard case .array(let all)? = own["data"] else { throw Failure("no versions") }
            #expect(all.map { $0["id"] } == [.string(draftID), .string(publishedID)])

            // A user shared version 1 sees it beside the public version 2, and nothing else.
            let investorID = UUID()
            let investor = try await media.base.token(.investor, user: investorID)
            #expect(try await media.base.client.get("/v1/documents/\(draftID)/versions", token: investor).status == 404)
            let share = try await media.base.client.post(
                "/v1/documents/\(draftID)/shares", #"{"shared_with": "\#(investorID.uuidString.lowercased())"}"#, token: sponsor
            )
            #expect(share.status == 201, "\(share.text)")
            let shared = try await media.base.client.get("/v1/documents/\(draftID)/versions", token: investor)
            guard case .array(let seen)? = shared["data"] else { throw Failure("no versions") }
            #expect(seen.map { $0["id"] } == [.string(draftID), .string(publishedID)])
            let other = try await media.base.client.get("/v1/documents/\(publishedID)/versions", token: try await media.base.token(.investor))
            guard case .array(let others)? = other["data"] else { throw Failure("no versions") }
            #expect(others.map { $0["id"] } == [.string(publishedID)])
        }
    }

    @Test func linkSharesWorkUntilTheyExpireOrAreRevoked() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let pdf = MediaSamples.pdf("k-1 package")
            let document = try await media.raw.upload("/v1/properties/\(id)/documents?name=K-1", pdf, token: sponsor)
            let documentID = try #require(document.string("id"))

            let share = try await media.base.client.post("/v1/documents/\(documentID)/shares", #"{"expires_in_seconds": 3600}"#, token: sponsor)
            #expect(share.status == 201, "\(share.text)")
            #expect(share.string("kind") == "link")
            let url = try #require(share.string("url"))
            let token = try #require(share.string("token"))
            let opened = try await media.raw.get(url)
            #expect(opened.status == 200)
            #expect(opened.bytes == pdf)
            #expect(opened.headers.first(name: "Content-Type") == "application/pdf")
            // Only the hash is kept; a wrong secret for a real share id is no share at all.
            #expect(try await media.base.sql("SELECT count(*)::text FROM media.document_shares WHERE token_hash = '\(ShareToken.hash(String(token.split(separator: ".")[1])))'") == ["1"])
            #expect(try await media.raw.get("/v1/media/shares/\(token.split(separator: ".")[0]).\(String(repeating: "A", count: 43))").status == 404)

            // Expired: refused with 410.
            try await media.base.sql("UPDATE media.document_shares SET expires_at = now() - interval '1 second'")
            let expired = try await media.raw.get(url)
            #expect(expired.status == 410)
            #expect(expired.text.contains("share-expired"))

            // Revoked: refused with 410 too, and only the document's editors may revoke.
            let second = try await media.base.client.post("/v1/documents/\(documentID)/shares", "{}", token: sponsor)
            let secondURL = try #require(second.string("url"))
            let shareID = try #require(second.string("id"))
            #expect(try await media.raw.get(secondURL).status == 200)
            #expect(try await media.base.client.send(.DELETE, "/v1/documents/\(documentID)/shares/\(shareID)", token: try await media.base.token(.sponsor)).status == 404)
            #expect(try await media.base.client.send(.DELETE, "/v1/documents/\(documentID)/shares/\(shareID)", token: sponsor).status == 204)
            let revoked = try await media.raw.get(secondURL)
            #expect(revoked.status == 410)
            #expect(revoked.text.contains("share-revoked"))
            #expect(try await media.base.sql("SELECT access_count::text FROM media.document_shares ORDER BY id") == ["1", "1"])

            let past = try await media.base.client.post("/v1/documents/\(documentID)/shares", #"{"expires_at": "2020-01-01T00:00:00Z"}"#, token: sponsor)
            #expect(past.status == 422)
            #expect(past.text.contains(#""field":"expires_at""#))
        }
    }

    @Test func aUserShareLetsThatUserReadAPrivateDocumentUntilRevoked() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let investorID = UUID()
            let investor = try await media.base.token(.investor, user: investorID)
            let document = try await media.raw.upload("/v1/properties/\(id)/documents?name=Subscription%20Agreement&visibility=private", MediaSamples.pdf("sub"), token: sponsor)
            let documentID = try #require(document.string("id"))
            #expect(try await media.raw.get("/v1/media/documents/\(documentID)", token: investor).status == 404)

            let share = try await media.base.client.post(
                "/v1/documents/\(documentID)/shares", #"{"shared_with": "\#(investorID.uuidString.lowercased())"}"#, token: sponsor
            )
            #expect(share.status == 201, "\(share.text)")
            #expect(share.string("kind") == "user")
            #expect(share["token"] == nil)
            #expect(try await media.base.client.post("/v1/documents/\(documentID)/shares", #"{"shared_with": "\#(investorID.uuidString.lowercased())"}"#, token: sponsor).status == 409)
            #expect(try await media.raw.get("/v1/media/documents/\(documentID)", token: investor).status == 200)
            let listed = try await media.base.client.get("/v1/properties/\(id)/documents", token: investor)
            guard case .array(let documents)? = listed["data"] else { throw Failure("no list") }
            #expect(documents.count == 1)
            #expect(try await media.base.client.get("/v1/properties/\(id)/documents", token: try await media.base.token(.investor)).json["data"] == [])

            let shareID = try #require(share.string("id"))
            #expect(try await media.base.client.send(.DELETE, "/v1/documents/\(documentID)/shares/\(shareID)", token: sponsor).status == 204)
            #expect(try await media.raw.get("/v1/media/documents/\(documentID)", token: investor).status == 404)
            #expect(try await media.base.events().filter { $0.hasPrefix("media.document_share") } == ["media.document_shared", "media.document_share_revoked"])
        }
    }

    @Test func theSignerSignsOrDeclinesOnce() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let signerID = UUID()
            let signer = try await media.base.token(.investor, user: signerID)
            let document = try await media.raw.upload("/v1/properties/\(id)/documents?name=Operating%20Agreement&requires_signature=true", MediaSamples.pdf("oa"), token: sponsor)
            let documentID = try #require(document.string("id"))
            let body = #"{"signer_id": "\#(signerID.uuidString.lowercased())", "verification_method": "email"}"#
            // A private document: to anyone but its editors it does not exist.
            #expect(try await media.base.client.post("/v1/documents/\(documentID)/signature-requests", body, token: signer).status == 404)
            let requested = try await media.base.client.post("/v1/documents/\(documentID)/signature-requests", body, token: sponsor)
            #expect(requested.status == 201, "\(requested.text)")
            #expect(requested.string("status") == "pending")
            #expect(try await media.base.client.post("/v1/documents/\(documentID)/signature-requests", body, token: sponsor).status == 409)
            let requestID = try #require(requested.string("id"))
            // The signer may now read the document and their request.
            #expect(try await media.raw.get("/v1/media/documents/\(documentID)", token: signer).status == 200)
            let own = try await media.base.client.get("/v1/documents/\(documentID)/signature-requests", token: signer)
            guard case .array(let requests)? = own["data"] else { throw Failure("no list") }
            #expect(requests.count == 1)

            let path = "/v1/documents/\(documentID)/signature-requests/\(requestID)"
            #expect(try await media.base.client.send(.PATCH, path, json: #"{"status":"signed"}"#, token: sponsor).status == 404)
            #expect(try await media.base.client.send(.PATCH, path, json: #"{"status":"maybe"}"#, token: signer).status == 422)
            let signed = try await media.base.client.send(.PATCH, path, json: #"{"status":"signed","signature_data":"Jane Investor"}"#, token: signer)
            #expect(signed.status == 200, "\(signed.text)")
            #expect(signed.string("status") == "signed")
            #expect(signed.string("signature_type") == "electronic")
            #expect(signed.string("ip_address") == "127.0.0.1")
            #expect(signed["signed_at"] != .null)
            #expect(try await media.base.client.send(.PATCH, path, json: #"{"status":"declined"}"#, token: signer).status == 409)
            #expect(try await media.base.events().filter { $0.hasPrefix("media.signature") } == ["media.signature_requested", "media.signature_answered"])
        }
    }

    @Test func videosAndToursAreRecordsTheSponsorKeeps() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let video = try await media.base.client.post(
                "/v1/properties/\(id)/videos",
                #"{"title":"Walkthrough","streaming_url":"https://video.example/w1","video_type":"walkthrough","duration_seconds":95}"#,
                token: sponsor
            )
            #expect(video.status == 201, "\(video.text)")
            #expect(video.string("status") == "active")
            let videoID = try #require(video.string("id"))
            let renamed = try await media.base.client.send(.PATCH, "/v1/properties/\(id)/videos/\(videoID)", json: #"{"title":"Spring walkthrough"}"#, token: sponsor)
            #expect(renamed.string("title") == "Spring walkthrough")
            #expect(renamed.string("streaming_url") == "https://video.example/w1")
            #expect(try await media.base.client.post("/v1/properties/\(id)/videos", #"{"title":"No URL"}"#, token: sponsor).status == 422)
            #expect(try await media.base.client.post("/v1/properties/\(id)/videos", #"{"streaming_url":"javascript:alert(1)"}"#, token: sponsor).status == 422)
            #expect(try await media.base.client.post("/v1/properties/\(id)/videos", #"{"streaming_url":"https://v.example/x"}"#, token: try await media.base.token(.investor)).status == 403)

            let tour = try await media.base.client.post(
                "/v1/properties/\(id)/virtual-tours", #"{"tour_type":"matterport","matterport_id":"SxQL3iGyoDo","has_dollhouse":true}"#, token: sponsor
            )
            #expect(tour.status == 201, "\(tour.text)")
            #expect(tour["has_dollhouse"] == true)
            #expect(tour["has_measurements"] == false)
            let tours = try await media.base.client.get("/v1/properties/\(id)/virtual-tours")
            guard case .array(let all)? = tours["data"] else { throw Failure("no list") }
            #expect(all.count == 1)
            #expect(try await media.base.client.send(.DELETE, "/v1/properties/\(id)/videos/\(videoID)", token: sponsor).status == 204)
            #expect(try await media.base.client.get("/v1/properties/\(id)/videos").json["data"] == [])
        }
    }

    @Test func everyMediaAnswerIsOneTheOpenAPIDocumentDescribes() async throws {
        try await MediaFixture.run { media in
            let document = try await media.base.client.get("/openapi.json").json
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let signerID = UUID()
            var exchanges: [(String, String, Int, String, String)] = []
            func record(_ method: String, _ path: String, _ reply: RawClient.Reply) {
                exchanges.append((method, path, reply.status, reply.headers.first(name: "Content-Type") ?? "", reply.status == 304 ? "" : reply.text))
            }
            func record(_ method: String, _ path: String, _ reply: JSONClient.Reply) {
                exchanges.append((method, path, reply.status, reply.headers.first(name: "Content-Type") ?? "", reply.text))
            }
            let png = MediaSamples.png(width: 5, height: 5)
            let photo = try await media.raw.upload("/v1/properties/\(id)/photos", png, token: sponsor)
            record("POST", "/v1/properties/{id}/photos", photo)
            record("POST", "/v1/properties/{id}/photos", try await media.raw.upload("/v1/properties/\(id)/photos", png, contentType: "image/gif", token: sponsor))
            record("POST", "/v1/properties/{id}/photos", try await media.raw.upload("/v1/properties/\(id)/photos", png))
            let photoID = try #require(photo.string("id"))
            record("GET", "/v1/properties/{id}/photos", try await media.base.client.get("/v1/properties/\(id)/photos"))
            record("GET", "/v1/properties/{id}/photos/{photo_id}", try await media.base.client.get("/v1/properties/\(id)/photos/\(photoID)"))
            record("PATCH", "/v1/properties/{id}/photos/{photo_id}", try await media.base.client.send(.PATCH, "/v1/properties/\(id)/photos/\(photoID)", json: #"{"caption":"c"}"#, token: sponsor))
            let content = "/v1/media/photos/\(photoID)"
            record("GET", "/v1/media/photos/{photo_id}", try await media.raw.get(content))
            record("GET", "/v1/media/photos/{photo_id}", try await media.raw.get(content, headers: [("Range", "bytes=0-1")]))
            record("GET", "/v1/media/photos/{photo_id}", try await media.raw.get(content, headers: [("Range", "bytes=9999-")]))
            record("GET", "/v1/media/photos/{photo_id}", try await media.raw.get(content, headers: [("If-None-Match", "\"\(MediaSamples.sha256(png))\"")]))
            let upload = try await media.raw.upload("/v1/properties/\(id)/documents?name=Memo&visibility=public", MediaSamples.pdf("m"), token: sponsor)
            record("POST", "/v1/properties/{id}/documents", upload)
            record("POST", "/v1/properties/{id}/documents", try await media.raw.upload("/v1/properties/\(id)/documents", MediaSamples.pdf("m"), token: sponsor))
            let documentID = try #require(upload.string("id"))
            record("GET", "/v1/properties/{id}/documents", try await media.base.client.get("/v1/properties/\(id)/documents"))
            record("GET", "/v1/documents/{id}", try await media.base.client.get("/v1/documents/\(documentID)"))
            record("GET", "/v1/documents/{id}/versions", try await media.base.client.get("/v1/documents/\(documentID)/versions"))
            record("GET", "/v1/media/documents/{id}", try await media.raw.get("/v1/media/documents/\(documentID)"))
            let share = try await media.base.client.post("/v1/documents/\(documentID)/shares", "{}", token: sponsor)
            record("POST", "/v1/documents/{id}/shares", share)
            record("GET", "/v1/documents/{id}/shares", try await media.base.client.get("/v1/documents/\(documentID)/shares", token: sponsor))
            record("GET", "/v1/media/shares/{token}", try await media.raw.get(try #require(share.string("url"))))
            record("DELETE", "/v1/documents/{id}/shares/{share_id}", try await media.base.client.send(.DELETE, "/v1/documents/\(documentID)/shares/\(try #require(share.string("id")))", token: sponsor))
            record("GET", "/v1/media/shares/{token}", try await media.raw.get(try #require(share.string("url"))))
            let signature = try await media.base.client.post("/v1/documents/\(documentID)/signature-requests", #"{"signer_id":"\#(signerID.uuidString)"}"#, token: sponsor)
            record("POST", "/v1/documents/{id}/signature-requests", signature)
            record("GET", "/v1/documents/{id}/signature-requests", try await media.base.client.get("/v1/documents/\(documentID)/signature-requests", token: sponsor))
            record("PATCH", "/v1/documents/{id}/signature-requests/{signature_id}", try await media.base.client.send(
                .PATCH, "/v1/documents/\(documentID)/signature-requests/\(try #require(signature.string("id")))", json: #"{"status":"declined"}"#,
                token: try await media.base.token(.investor, user: signerID)
            ))
            let video = try await media.base.client.post("/v1/properties/\(id)/videos", #"{"streaming_url":"https://v.example/1"}"#, token: sponsor)
            record("POST", "/v1/properties/{id}/videos", video)
            record("GET", "/v1/properties/{id}/videos", try await media.base.client.get("/v1/properties/\(id)/videos"))
            record("PATCH", "/v1/properties/{id}/videos/{item_id}", try await media.base.client.send(.PATCH, "/v1/properties/\(id)/videos/\(try #require(video.string("id")))", json: #"{"title":"t"}"#, token: sponsor))
            let tour = try await media.base.client.post("/v1/properties/\(id)/virtual-tours", #"{"tour_type":"360_photos","tour_url":"https://t.example/1"}"#, token: sponsor)
            record("POST", "/v1/properties/{id}/virtual-tours", tour)
            record("GET", "/v1/properties/{id}/virtual-tours", try await media.base.client.get("/v1/properties/\(id)/virtual-tours"))
            record("DELETE", "/v1/properties/{id}/virtual-tours/{item_id}", try await media.base.client.send(.DELETE, "/v1/properties/\(id)/virtual-tours/\(try #require(tour.string("id")))", token: sponsor))
            record("DELETE", "/v1/properties/{id}/photos/{photo_id}", try await media.base.client.send(.DELETE, "/v1/properties/\(id)/photos/\(photoID)", token: sponsor))
            #expect(exchanges.map(\.2) == [
                201, 415, 401, 200, 200, 200, 200, 206, 416, 304, 201, 422, 200, 200, 200, 200, 201, 200, 200, 204, 410, 201, 200, 200,
                201, 200, 200, 201, 200, 204, 204,
            ])
            for (method, path, status, contentType, body) in exchanges {
                let found = OpenAPIConformance.problems(in: document, method: method, path: path, status: status, contentType: contentType, body: body)
                #expect(found.isEmpty, "\(found)")
            }
        }
    }
}
