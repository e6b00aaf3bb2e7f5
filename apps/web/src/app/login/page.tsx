import { Suspense } from "react";
import { LoginForm } from "../../features/auth/login-form.tsx";

export default function LoginPage() {
  return (
    <div className="login-page">
      <div className="login-card">
        <h1>Handoff</h1>
        <p className="muted">Sign in with an admin or user token.</p>
        <Suspense fallback={null}>
          <LoginForm />
        </Suspense>
      </div>
    </div>
  );
}
