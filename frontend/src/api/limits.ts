// Generated from ../openapi.json by scripts/gen-limits.mjs (`npm run gen:api`); do not edit.
/** Validation limits of the request bodies, by schema name and field. */
export const bodyLimits = {
  "AssignBody": {
    "handler_id": {
      "required": true,
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "AttachmentUpload": {
    "file": {
      "required": true
    }
  },
  "Body_login_for_token": {
    "grant_type": {
      "pattern": "^password$"
    },
    "username": {
      "required": true
    },
    "password": {
      "required": true
    }
  },
  "CalendarDayIn": {
    "date": {
      "required": true
    },
    "is_workday": {
      "required": true
    },
    "note": {
      "maxLength": 200
    }
  },
  "CategoryCreate": {
    "name": {
      "required": true,
      "minLength": 1,
      "maxLength": 100
    },
    "default_department_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "CategoryUpdate": {
    "name": {
      "minLength": 1,
      "maxLength": 100
    },
    "default_department_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "DispatchBody": {
    "lead_department_id": {
      "required": true,
      "minimum": 1,
      "maximum": 2147483647
    },
    "note": {
      "maxLength": 2000
    }
  },
  "ExclusionCreate": {
    "ticket_id": {
      "required": true,
      "minimum": 1,
      "maximum": 2147483647
    },
    "department_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "reason_kind": {
      "required": true
    },
    "reason": {
      "required": true,
      "minLength": 1,
      "maxLength": 2000
    }
  },
  "ExclusionDecision": {
    "approved": {
      "required": true
    },
    "note": {
      "maxLength": 2000
    }
  },
  "ExtensionBody": {
    "days": {
      "required": true,
      "minimum": 1,
      "maximum": 30
    },
    "reason": {
      "required": true,
      "minLength": 2,
      "maxLength": 2000
    }
  },
  "ExtensionDecisionBody": {
    "approved": {
      "required": true
    },
    "note": {
      "maxLength": 2000
    }
  },
  "MergeBody": {
    "primary_id": {
      "required": true,
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "NoteBody": {
    "content": {
      "required": true,
      "minLength": 1,
      "maxLength": 5000
    }
  },
  "OfficeHoursIn": {
    "opens": {
      "required": true,
      "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    },
    "closes": {
      "required": true,
      "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    }
  },
  "PublicPhotoUpload": {
    "file": {
      "required": true
    }
  },
  "PublicTicketCreate": {
    "title": {
      "required": true,
      "minLength": 2,
      "maxLength": 200
    },
    "content": {
      "required": true,
      "minLength": 2,
      "maxLength": 20000
    },
    "contact": {
      "maxLength": 200
    },
    "category_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "RejectBody": {
    "reason": {
      "required": true,
      "minLength": 2,
      "maxLength": 2000
    }
  },
  "ReopenBody": {
    "reason": {
      "required": true,
      "minLength": 2,
      "maxLength": 2000
    }
  },
  "ReplyBody": {
    "content": {
      "required": true,
      "minLength": 2,
      "maxLength": 20000
    }
  },
  "ReturnBody": {
    "reason_code": {
      "required": true
    },
    "reason": {
      "required": true,
      "minLength": 2,
      "maxLength": 2000
    }
  },
  "ReturnJudgementBody": {
    "reasonable": {
      "required": true
    },
    "note": {
      "maxLength": 2000
    }
  },
  "RevisitBody": {
    "method": {
      "required": true
    },
    "outcome": {
      "required": true
    },
    "note": {
      "maxLength": 5000
    }
  },
  "ScoreBody": {
    "efficiency": {
      "required": true,
      "minimum": 1,
      "maximum": 5
    },
    "handling": {
      "required": true,
      "minimum": 1,
      "maximum": 5
    },
    "effect": {
      "required": true,
      "minimum": 1,
      "maximum": 5
    },
    "comment": {
      "maxLength": 2000
    }
  },
  "SlaPolicyCreate": {
    "dispatch_days": {
      "maximum": 60,
      "exclusiveMinimum": 0
    },
    "accept_days": {
      "maximum": 60,
      "exclusiveMinimum": 0
    },
    "reply_days": {
      "maximum": 120,
      "exclusiveMinimum": 0
    },
    "revisit_days": {
      "maximum": 60,
      "exclusiveMinimum": 0
    },
    "score_days": {
      "maximum": 60,
      "exclusiveMinimum": 0
    },
    "max_extensions": {
      "minimum": 0,
      "maximum": 10
    },
    "max_extension_days": {
      "minimum": 1,
      "maximum": 30
    },
    "reminder_lead_days": {
      "minimum": 0,
      "maximum": 10
    },
    "note": {
      "maxLength": 200
    },
    "category_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "SlaPolicyUpdate": {
    "dispatch_days": {
      "maximum": 60,
      "exclusiveMinimum": 0
    },
    "accept_days": {
      "maximum": 60,
      "exclusiveMinimum": 0
    },
    "reply_days": {
      "maximum": 120,
      "exclusiveMinimum": 0
    },
    "revisit_days": {
      "maximum": 60,
      "exclusiveMinimum": 0
    },
    "score_days": {
      "maximum": 60,
      "exclusiveMinimum": 0
    },
    "max_extensions": {
      "minimum": 0,
      "maximum": 10
    },
    "max_extension_days": {
      "minimum": 1,
      "maximum": 30
    },
    "reminder_lead_days": {
      "minimum": 0,
      "maximum": 10
    },
    "note": {
      "maxLength": 200
    }
  },
  "SupervisionAcknowledge": {
    "plan": {
      "required": true,
      "minLength": 1,
      "maxLength": 5000
    }
  },
  "SupervisionClose": {
    "note": {
      "maxLength": 2000
    }
  },
  "SupervisionCreate": {
    "ticket_id": {
      "required": true,
      "minimum": 1,
      "maximum": 2147483647
    },
    "reason": {
      "required": true,
      "minLength": 1,
      "maxLength": 2000
    }
  },
  "TicketCreate": {
    "title": {
      "required": true,
      "minLength": 2,
      "maxLength": 200
    },
    "content": {
      "required": true,
      "minLength": 2,
      "maxLength": 20000
    },
    "category_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "college_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "reporter_name": {
      "minLength": 1,
      "maxLength": 50
    },
    "contact": {
      "maxLength": 200
    }
  },
  "UnitCreate": {
    "kind": {
      "required": true
    },
    "name": {
      "required": true,
      "minLength": 1,
      "maxLength": 100
    },
    "code": {
      "required": true,
      "minLength": 1,
      "maxLength": 32,
      "pattern": "^[A-Za-z0-9_-]+$"
    }
  },
  "UnitUpdate": {
    "name": {
      "minLength": 1,
      "maxLength": 100
    },
    "code": {
      "minLength": 1,
      "maxLength": 32
    }
  },
  "UserCreate": {
    "username": {
      "required": true,
      "minLength": 2,
      "maxLength": 64,
      "pattern": "^[A-Za-z0-9_.@-]+$"
    },
    "display_name": {
      "required": true,
      "minLength": 1,
      "maxLength": 100
    },
    "password": {
      "required": true,
      "minLength": 8,
      "maxLength": 128
    },
    "unit_id": {
      "required": true,
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "UserUpdate": {
    "display_name": {
      "minLength": 1,
      "maxLength": 100
    },
    "unit_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "password": {
      "minLength": 8,
      "maxLength": 128
    }
  },
  "WarningDismiss": {
    "reason": {
      "required": true,
      "minLength": 1,
      "maxLength": 2000
    }
  },
  "WarningInterview": {
    "held_at": {
      "required": true
    },
    "attendees": {
      "required": true,
      "minLength": 1,
      "maxLength": 500
    },
    "notes": {
      "required": true,
      "minLength": 1,
      "maxLength": 5000
    }
  },
  "WarningRuleCreate": {
    "name": {
      "required": true,
      "minLength": 1,
      "maxLength": 100
    },
    "kind": {
      "required": true
    },
    "department_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "category_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "threshold": {
      "required": true,
      "minimum": 1,
      "maximum": 100000
    },
    "days": {
      "minimum": 1,
      "maximum": 366
    },
    "rate_below": {
      "maximum": 1,
      "exclusiveMinimum": 0
    }
  },
  "WarningRuleUpdate": {
    "name": {
      "minLength": 1,
      "maxLength": 100
    },
    "department_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "category_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "threshold": {
      "minimum": 1,
      "maximum": 100000
    },
    "days": {
      "minimum": 1,
      "maximum": 366
    },
    "rate_below": {
      "maximum": 1,
      "exclusiveMinimum": 0
    }
  },
  "WeightsIn": {
    "response": {
      "required": true,
      "minimum": 0,
      "maximum": 1000
    },
    "on_time": {
      "required": true,
      "minimum": 0,
      "maximum": 1000
    },
    "resolution": {
      "required": true,
      "minimum": 0,
      "maximum": 1000
    },
    "satisfaction": {
      "required": true,
      "minimum": 0,
      "maximum": 1000
    }
  }
} as const

/** Validation limits of the path parameters, by path and parameter name. */
export const paramLimits = {
  "/api/v1/categories/{category_id}": {
    "category_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/exclusions/{exclusion_id}": {
    "exclusion_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/exclusions/{exclusion_id}/decision": {
    "exclusion_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/notifications/{notification_id}/read": {
    "notification_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/public/tickets/{code}": {
    "code": {
      "minLength": 8,
      "maxLength": 40
    }
  },
  "/api/v1/public/tickets/{code}/attachments": {
    "code": {
      "minLength": 8,
      "maxLength": 40
    }
  },
  "/api/v1/public/tickets/{code}/score": {
    "code": {
      "minLength": 8,
      "maxLength": 40
    }
  },
  "/api/v1/sla-policies/{policy_id}": {
    "policy_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/supervision-orders/{order_id}": {
    "order_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/supervision-orders/{order_id}/acknowledge": {
    "order_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/supervision-orders/{order_id}/close": {
    "order_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/accept": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/assign": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/attachments": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/attachments/{attachment_id}": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "attachment_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/close": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/dispatch": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/events": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/extensions": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/extensions/{extension_id}/decision": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "extension_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/merge": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/notes": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/reject": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/reopen": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/reply": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/return": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/returns": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/returns/{return_id}/judgement": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    },
    "return_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/revisit": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/score": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/urge": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/tickets/{ticket_id}/withdraw": {
    "ticket_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/units/{unit_id}": {
    "unit_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/users/{user_id}": {
    "user_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/warnings/rules/{rule_id}": {
    "rule_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/warnings/{warning_id}": {
    "warning_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/warnings/{warning_id}/dismiss": {
    "warning_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  },
  "/api/v1/warnings/{warning_id}/interview": {
    "warning_id": {
      "minimum": 1,
      "maximum": 2147483647
    }
  }
} as const
