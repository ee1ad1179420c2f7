import Foundation
import Hummingbird
import Models
import ServiceKit

/// Where a user stands on their role's checklist.
struct OnboardingProgress: Sendable {
    var role: AccountRole
    var done: [OnboardingStep: Date]
    var dismissedAt: Date?
}

/// `GET /v1/auth/me/onboarding`: the checklist of the caller's current role.
struct OnboardingChecklistResponse: Encodable, ResponseEncodable, Sendable {
    struct Step: Encodable, Sendable {
        var key: String
        var title: String
        var action: String
        var done: Bool
        var doneAt: Date?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.key, forKey: .key)
            try container.encode(self.title, forKey: .title)
            try container.encode(self.action, forKey: .action)
            try container.encode(self.done, forKey: .done)
            try container.encode(self.doneAt, forKey: .doneAt)
        }

        enum CodingKeys: String, CodingKey { case key, title, action, done, doneAt }
    }

    var role: String
    var steps: [Step]
    var completed: Int
    var total: Int
    var percent: Int
    var dismissed: Bool
    var dismissedAt: Date?

    init(_ progress: OnboardingProgress) {
        let steps = OnboardingChecklist.steps(for: progress.role)
        self.role = progress.role.rawValue
        self.steps = steps.map { step in
            Step(key: step.rawValue, title: step.title, action: step.action, done: progress.done[step] != nil, doneAt: progress.done[step])
        }
        self.completed = self.steps.filter(\.done).count
        self.total = steps.count
        self.percent = OnboardingChecklist.percent(done: self.completed, of: self.total)
        self.dismissed = progress.dismissedAt != nil
        self.dismissedAt = progress.dismissedAt
    }

    enum CodingKeys: String, CodingKey { case role, steps, completed, total, percent, dismissed, dismissedAt }

    /// `done_at` and `dismissed_at` are null rather than absent, so a client reads one shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.role, forKey: .role)
        try container.encode(self.steps, forKey: .steps)
        try container.encode(self.completed, forKey: .completed)
        try container.encode(self.total, forKey: .total)
        try container.encode(self.percent, forKey: .percent)
        try container.encode(self.dismissed, forKey: .dismissed)
        try container.encode(self.dismissedAt, forKey: .dismissedAt)
    }
}

/// The setup checklist (seed 004 §3, issue 16): progress comes from other services' events
/// (`OnboardingEvents`); the user may only hide the list and bring it back.
struct OnboardingController: RouteController {
    let store: OnboardingStore

    /// Mounted at `/v1/auth/me/onboarding`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show)
            .post("dismiss", use: self.dismiss)
            .post("restore", use: self.restore)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> OnboardingChecklistResponse {
        try await self.checklist(context)
    }

    /// Hides the checklist; progress keeps being recorded.
    @Sendable func dismiss(_ request: Request, context: AuthenticatedContext) async throws -> OnboardingChecklistResponse {
        try await self.store.dismiss(try context.identity.requireUser(), logger: context.logger)
        return try await self.checklist(context)
    }

    /// Undoes `dismiss`.
    @Sendable func restore(_ request: Request, context: AuthenticatedContext) async throws -> OnboardingChecklistResponse {
        try await self.store.restore(try context.identity.requireUser(), logger: context.logger)
        return try await self.checklist(context)
    }

    private func checklist(_ context: AuthenticatedContext) async throws -> OnboardingChecklistResponse {
        guard let progress = try await self.store.progress(try context.identity.requireUser(), logger: context.logger) else {
            throw Problem.unauthorized("This token does not belong to a user account.")
        }
        return OnboardingChecklistResponse(progress)
    }
}
